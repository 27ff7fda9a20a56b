//! `redrive`: messages from the ingest dead-letter queue back to the ingest queue.

use std::io::Write;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, Message, QueueAttributeName};

use crate::{Failure, exit, load_aws, write_out};

/// Move messages from the ingest dead-letter queue back to the queue.
///
/// Receives up to 10 messages at a time (1 s long poll), sends each body with its message
/// attributes to --to, and deletes it from --from only after that send succeeded. Stops
/// when --from is empty or N messages were moved. A message whose send fails stays in
/// --from (it reappears after 60 s) and the run stops with exit code 3.
///
/// --dry-run receives nothing: it reports --from's approximate message count (SQS
/// ApproximateNumberOfMessages) and checks that --to exists.
#[derive(Clone, Debug, clap::Args)]
pub struct Redrive {
    /// The queue to drain (the dead-letter queue).
    #[arg(long, value_name = "QUEUE_URL", value_parser = parse_queue_url)]
    pub from: String,
    /// The queue to send to (not the same as --from).
    #[arg(long, value_name = "QUEUE_URL", value_parser = parse_queue_url)]
    pub to: String,
    /// Move at most N messages.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max: Option<u64>,
    /// Count, move nothing.
    #[arg(long)]
    pub dry_run: bool,
}

impl Redrive {
    /// Runs the command, with the operator's AWS credentials.
    pub async fn run(&self, out: &mut impl Write, err: &mut impl Write) -> Result<u8, Failure> {
        if self.from == self.to {
            return Err(Failure::Usage("--from and --to are the same queue".into()));
        }
        let aws = load_aws().await?;
        redrive_to(&Client::new(&aws), self, out, err).await
    }
}

/// A standard queue's URL (Dossier's queues are not FIFO).
fn parse_queue_url(url: &str) -> Result<String, String> {
    if url.ends_with(".fifo") {
        return Err("FIFO queues are not supported (Dossier's queues are standard)".into());
    }
    if !url.contains("://") {
        return Err("expected a queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)".into());
    }
    Ok(url.to_owned())
}

/// Messages per receive (the SQS maximum).
const BATCH: u64 = 10;
/// Long-poll wait of each receive: short, but long enough that an empty answer means an
/// empty queue (a long poll asks every SQS server; a short poll only a sample).
const WAIT_SECONDS: i32 = 1;
/// How long received messages stay invisible to others: if a send fails (or the tool is
/// stopped), they reappear in the dead-letter queue after this.
const VISIBILITY_SECONDS: i32 = 60;
/// Progress goes to stderr every this many messages.
const PROGRESS_EVERY: u64 = 100;

/// What a redrive did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedriveOutcome {
    /// Messages moved (sent to `--to`, then deleted from `--from`).
    Moved(u64),
    /// `--dry-run`: what `--from` holds, and how many a run would move.
    DryRun {
        /// `ApproximateNumberOfMessages` of `--from`.
        available: u64,
        /// `ApproximateNumberOfMessagesNotVisible` of `--from` (received by someone
        /// else right now; they come back if not deleted).
        in_flight: u64,
        /// `available`, capped by `--max`.
        would_move: u64,
    },
}

/// Runs `args`: moves messages one receive batch at a time, deleting each from `--from`
/// only after its send to `--to` succeeded, until `--from` answers a receive with nothing
/// or `--max` messages were moved. Message bodies and message attributes are kept.
///
/// Stops at the first failed send with an error (counting what was moved before it); the
/// unsent messages of that batch reappear in `--from` after 60 seconds.
pub async fn redrive(
    sqs: &Client,
    args: &Redrive,
    progress: &mut impl Write,
) -> Result<RedriveOutcome, Failure> {
    if args.dry_run {
        return dry_run(sqs, args).await;
    }
    let mut moved: u64 = 0;
    loop {
        let wanted = args
            .max
            .map_or(BATCH, |max| max.saturating_sub(moved).min(BATCH));
        if wanted == 0 {
            return Ok(RedriveOutcome::Moved(moved));
        }
        let received = sqs
            .receive_message()
            .queue_url(&args.from)
            .max_number_of_messages(i32::try_from(wanted).unwrap_or(10))
            .wait_time_seconds(WAIT_SECONDS)
            .visibility_timeout(VISIBILITY_SECONDS)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(|e| {
                crate::aws_failure(&format!("receiving from {} ({moved} moved)", args.from), e)
            })?;
        let messages = received.messages();
        if messages.is_empty() {
            return Ok(RedriveOutcome::Moved(moved));
        }
        let mut sent: Vec<&Message> = Vec::with_capacity(messages.len());
        let mut send_error = None;
        for message in messages {
            match send(sqs, &args.to, message).await {
                Ok(()) => sent.push(message),
                Err(error) => {
                    send_error = Some(error);
                    break;
                }
            }
        }
        delete(sqs, &args.from, &sent, moved).await?;
        let before = moved;
        moved += sent.len() as u64;
        if moved / PROGRESS_EVERY > before / PROGRESS_EVERY {
            let _ = writeln!(progress, "redrive: {moved} messages moved");
        }
        if let Some(error) = send_error {
            return Err(Failure::Aws(format!(
                "{error} ({moved} messages moved before it; the rest stay in {})",
                args.from
            )));
        }
    }
}

/// Sends `message`'s body and message attributes to `queue`.
async fn send(sqs: &Client, queue: &str, message: &Message) -> Result<(), Failure> {
    let id = message.message_id().unwrap_or("?");
    let body = message
        .body()
        .ok_or_else(|| Failure::Aws(format!("message {id} has no body")))?;
    sqs.send_message()
        .queue_url(queue)
        .message_body(body)
        .set_message_attributes(message.message_attributes().cloned())
        .send()
        .await
        .map_err(|e| crate::aws_failure(&format!("sending message {id} to {queue}"), e))?;
    Ok(())
}

/// Deletes the `sent` messages from `queue`. A message sent but not deleted would be
/// redriven twice, so any failure here is an error naming them.
async fn delete(sqs: &Client, queue: &str, sent: &[&Message], moved: u64) -> Result<(), Failure> {
    if sent.is_empty() {
        return Ok(());
    }
    let entries = sent
        .iter()
        .enumerate()
        .map(|(index, message)| {
            DeleteMessageBatchRequestEntry::builder()
                .id(index.to_string())
                .set_receipt_handle(message.receipt_handle().map(str::to_owned))
                .build()
                .map_err(|e| Failure::Aws(format!("building a delete request: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let output = sqs
        .delete_message_batch()
        .queue_url(queue)
        .set_entries(Some(entries))
        .send()
        .await
        .map_err(|e| {
            crate::aws_failure(
                &format!(
                    "deleting {} sent messages from {queue} (they will be redriven again) after {moved} moved",
                    sent.len()
                ),
                e,
            )
        })?;
    if output.failed().is_empty() {
        return Ok(());
    }
    let failed: Vec<String> = output
        .failed()
        .iter()
        .map(|failure| {
            let message = failure
                .id()
                .parse::<usize>()
                .ok()
                .and_then(|index| sent.get(index))
                .and_then(|message| message.message_id())
                .unwrap_or("?");
            format!("{message}: {}", failure.message().unwrap_or(failure.code()))
        })
        .collect();
    Err(Failure::Aws(format!(
        "sent but could not delete from {queue} (they will be redriven again): {}",
        failed.join("; ")
    )))
}

/// Counts `--from`'s messages and checks that `--to` exists, moving nothing.
async fn dry_run(sqs: &Client, args: &Redrive) -> Result<RedriveOutcome, Failure> {
    let from = sqs
        .get_queue_attributes()
        .queue_url(&args.from)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .map_err(|e| crate::aws_failure(&format!("reading {}", args.from), e))?;
    let count = |name: QueueAttributeName| -> u64 {
        from.attributes()
            .and_then(|attributes| attributes.get(&name))
            .and_then(|value| value.parse().ok())
            .unwrap_or(0)
    };
    let available = count(QueueAttributeName::ApproximateNumberOfMessages);
    let in_flight = count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible);
    sqs.get_queue_attributes()
        .queue_url(&args.to)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| crate::aws_failure(&format!("reading {}", args.to), e))?;
    Ok(RedriveOutcome::DryRun {
        available,
        in_flight,
        would_move: args.max.map_or(available, |max| available.min(max)),
    })
}

/// `redrive` through `sqs`. The count goes to `out`.
async fn redrive_to(
    sqs: &Client,
    args: &Redrive,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<u8, Failure> {
    let line = match redrive(sqs, args, err).await? {
        RedriveOutcome::Moved(moved) => {
            format!("moved {moved} messages from {} to {}\n", args.from, args.to)
        }
        RedriveOutcome::DryRun {
            available,
            in_flight,
            would_move,
        } => format!(
            "dry run: would move {would_move} messages from {} to {} ({available} available, {in_flight} in flight; approximate)\n",
            args.from, args.to
        ),
    };
    write_out(out, &line)?;
    Ok(exit::OK)
}
