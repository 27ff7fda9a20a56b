//! The mailer of the functions in AWS: SES (v2 `SendEmail`), from the one sender identity
//! the stack names (`NOTICE_SENDER`); the functions' policies allow no other.

use std::time::Duration;

use aws_sdk_sesv2::config::retry::RetryConfig;
use aws_sdk_sesv2::config::timeout::TimeoutConfig;
use aws_sdk_sesv2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message, MessageTag};

use super::{Email, MailError, Mailer};

/// Sends through SES as one sender.
pub struct SesMailer {
    client: aws_sdk_sesv2::Client,
    from: String,
}

impl SesMailer {
    /// Sends with `client`, from `from`.
    pub fn new(client: aws_sdk_sesv2::Client, from: impl Into<String>) -> Self {
        Self {
            client,
            from: from.into(),
        }
    }

    /// Sends from `from` with `aws`'s settings, giving up on an email after `budget` (one
    /// retry included): a route that has already written its change must answer well
    /// inside its own timeout, whatever SES does.
    pub fn within(aws: &aws_config::SdkConfig, from: impl Into<String>, budget: Duration) -> Self {
        let config = aws_sdk_sesv2::config::Builder::from(aws)
            .timeout_config(TimeoutConfig::builder().operation_timeout(budget).build())
            .retry_config(RetryConfig::standard().with_max_attempts(2))
            .build();
        Self::new(aws_sdk_sesv2::Client::from_conf(config), from)
    }
}

fn content(text: &str) -> Result<Content, MailError> {
    Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .map_err(|e| MailError::Rejected(e.to_string()))
}

impl Mailer for SesMailer {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        let message = Message::builder()
            .subject(content(&email.subject)?)
            .body(Body::builder().text(content(&email.text)?).build())
            .build();
        let result = self
            .client
            .send_email()
            .from_email_address(&self.from)
            .destination(
                Destination::builder()
                    .set_to_addresses(Some(email.to.clone()))
                    .build(),
            )
            .content(EmailContent::builder().simple(message).build())
            // Sending events (deliveries, bounces) then say which agency they are for.
            .email_tags(
                MessageTag::builder()
                    .name("agency")
                    .value(email.agency.as_str())
                    .build()
                    .map_err(|e| MailError::Rejected(e.to_string()))?,
            )
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(error)) => {
                let error = error.into_err();
                let code = error.code().unwrap_or("unknown");
                // Throttling and SES's own faults pass; the rest (a refused address, a
                // sender SES does not know, a paused account) would be refused again.
                if matches!(code, "TooManyRequestsException" | "LimitExceededException")
                    || error.meta().message().is_none() && code == "unknown"
                {
                    Err(MailError::Unavailable(format!("{code}: {error}")))
                } else {
                    Err(MailError::Rejected(format!("{code}: {error}")))
                }
            }
            Err(error) => Err(MailError::Unavailable(error.to_string())),
        }
    }
}
