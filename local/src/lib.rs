//! Dossier's local server: every route of `template.yaml`, served by the very handler
//! functions the Lambda binaries run, through the same `lambda_http` request and response
//! types (each HTTP request becomes the API Gateway v2 event Lambda would receive).
//!
//! - [`routes`]: the route table (checked against `template.yaml` by the tests).
//! - [`server`]: the HTTP listener: request → event → handler → response.
//! - [`settings`]: configuration: the environment first, local defaults for the rest.

pub mod routes;
pub mod server;
pub mod settings;
