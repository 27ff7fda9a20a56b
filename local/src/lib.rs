//! Dossier's local server: every route of `template.yaml`, served by the very handler
//! functions the Lambda binaries run, through the same `lambda_http` request and response
//! types (each HTTP request becomes the API Gateway v2 event Lambda would receive).
//!
//! - [`anchoring`]: the audit chains anchored in the data folder, as in AWS.
//! - [`disposition`]: the destruction queue and the monthly review, in process.
//! - [`fixity`]: the nightly fixity run over the data folder's documents.
//! - [`indexing`]: the search indexes, following the embedded store's change feed.
//! - [`routes`]: the route table (checked against `template.yaml` by the tests).
//! - [`server`]: the HTTP listener: request → event → handler → response.
//! - [`settings`]: configuration: the environment first, local defaults for the rest.
//! - [`sign_in`]: the development sign-in, only while the local secret signs tokens.
//! - [`web`]: the portal's pages and files, on the same origin as the API.

pub mod anchoring;
pub mod deadlines;
pub mod disposition;
pub mod fixity;
pub mod indexing;
pub mod routes;
pub mod server;
pub mod settings;
pub mod sign_in;
pub mod web;
