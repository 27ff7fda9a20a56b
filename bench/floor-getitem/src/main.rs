//! The floor for HTTP functions: `lambda_http`, the AWS config and a DynamoDB client built
//! once, and one `GetItem` per request. Dossier's routes are measured against it.

use aws_sdk_dynamodb::types::AttributeValue;
use lambda_http::{Body, Error, Request, RequestExt, Response, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let table = std::env::var("TABLE_NAME")?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_dynamodb::Client::new(&aws);
    let (client, table) = (&client, table.as_str());
    lambda_http::run(service_fn(move |request: Request| async move {
        let id = request
            .path_parameters_ref()
            .and_then(|p| p.first("id"))
            .unwrap_or_default()
            .to_owned();
        let agency = "dev";
        let item = client
            .get_item()
            .table_name(table)
            .key("pk", AttributeValue::S(format!("A#{agency}#R#{id}")))
            .key("sk", AttributeValue::S("RECORD".into()))
            .send()
            .await?;
        let status = if item.item().is_some() { 200 } else { 404 };
        Ok::<_, Error>(
            Response::builder()
                .status(status)
                .body(Body::Text(format!("{{\"found\":{}}}", status == 200)))?,
        )
    }))
    .await
}
