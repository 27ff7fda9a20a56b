//! The route table: the same routes, and the same handlers, as `template.yaml`'s functions.

use lambda_http::{Body, Request, Response};
use shared::blob::FileBlobs;
use shared::disposition::QueueDeps;
use shared::http::{respond, respond_public};
use shared::notices::{Notices, Outbox};
use shared::search::folder::FolderIndexes;
use shared::search::route::SearchDeps;
use shared::store::Store;
use shared::{Deps, DocumentDeps, NoticeDeps};

use crate::disposition::LocalQueue;
use std::sync::Arc;

use crate::sign_in::SignIn;

/// What the local server's handlers get: a store, documents in a local folder (the record
/// routes get the [`Deps`] inside), and search indexes in another.
pub struct LocalDeps<S> {
    /// The record and document routes'.
    pub documents: DocumentDeps<S, FileBlobs>,
    /// The search routes'.
    pub search: SearchDeps<S, Arc<FolderIndexes>>,
    /// The routes that tell requesters of changes: emails go to the outbox.
    pub requests: NoticeDeps<S, Outbox>,
    /// The route that approves destructions: they go to the in-process queue.
    pub disposition: QueueDeps<S, LocalQueue>,
    /// How staff sign in to the portal.
    pub sign_in: crate::sign_in::SignIn,
    /// The portal's Content-Security-Policy (it allows the provider's token endpoint).
    pub portal_policy: String,
}

impl<S: Store + Clone + Send + Sync> LocalDeps<S> {
    /// The local server's dependencies: `store` under `config` with the system clock,
    /// documents in `blobs` up to `max_document_bytes`, indexes under `index_root`,
    /// notices as `notices` says, approved destructions carried out by a worker this
    /// starts (so: within a Tokio runtime).
    pub fn new(
        config: &shared::config::Config,
        store: S,
        blobs: FileBlobs,
        max_document_bytes: u64,
        indexes: Arc<FolderIndexes>,
        notices: Notices<Outbox>,
    ) -> Self {
        let clock = shared::clock::Clock::system;
        let queue = LocalQueue::start(store.clone(), blobs.clone());
        Self {
            disposition: QueueDeps {
                deps: Deps::new(config, store.clone(), clock()),
                queue,
            },
            requests: NoticeDeps {
                deps: Deps::new(config, store.clone(), clock()),
                notices,
            },
            search: SearchDeps {
                deps: Deps::new(config, store.clone(), clock()),
                indexes,
            },
            documents: Deps::new(config, store, clock()).with_blobs(blobs, max_document_bytes),
            sign_in: crate::sign_in::DevSignIn::from_config(config)
                .map_or(SignIn::Unavailable, SignIn::Development),
            portal_policy: crate::web::content_security_policy(None),
        }
    }

    /// The same, with staff signing in as `sign_in` says.
    pub fn signing_in(self, sign_in: SignIn) -> Self {
        let portal_policy = crate::web::content_security_policy(sign_in.token_url());
        Self {
            sign_in,
            portal_policy,
            ..self
        }
    }
}

impl<S> std::ops::Deref for LocalDeps<S> {
    type Target = DocumentDeps<S, FileBlobs>;

    fn deref(&self) -> &DocumentDeps<S, FileBlobs> {
        &self.documents
    }
}

/// One route of the API, served by one function crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// `POST /records`
    CreateRecord,
    /// `GET /records/{id}`
    GetRecord,
    /// `GET /records`
    ListRecords,
    /// `PATCH /records/{id}`
    UpdateRecord,
    /// `DELETE /records/{id}`
    DeleteRecord,
    /// `GET /records/{id}/history`
    GetHistory,
    /// `POST /records/{id}/documents`
    CreateUpload,
    /// `GET /records/{id}/documents`
    ListDocuments,
    /// `GET /records/{id}/documents/{doc_id}`
    GetDocument,
    /// `GET /agency`
    GetAgency,
    /// `PUT /agency`
    PutAgency,
    /// `GET /public/agencies` (no token)
    PublicListAgencies,
    /// `GET /public/agencies/{agency}` (no token)
    PublicGetAgency,
    /// `GET /public/agencies/{agency}/records` (no token)
    PublicListRecords,
    /// `GET /public/agencies/{agency}/records/{id}` (no token)
    PublicGetRecord,
    /// `GET /public/agencies/{agency}/records/{id}/documents/{doc_id}` (no token)
    PublicGetDocument,
    /// `GET /search`
    Search,
    /// `GET /public/agencies/{agency}/search` (no token)
    PublicSearch,
    /// `POST /public/agencies/{agency}/requests` (no token)
    SubmitRequest,
    /// `GET /requests/{number}`
    GetRequest,
    /// `PATCH /requests/{number}`
    UpdateRequest,
    /// `GET /requests/{number}/history`
    GetRequestHistory,
    /// `GET /requests/{number}/messages`
    GetRequestMessages,
    /// `GET /public/agencies/{agency}/requests/{number}` (no token; a tracking token opens more)
    PublicGetRequest,
    /// `POST /requests/{number}/messages`
    AddRequestMessage,
    /// `POST /public/agencies/{agency}/requests/{number}/messages` (tracking token)
    PublicAddRequestMessage,
    /// `POST /requests/{number}/releases`
    AddRequestRelease,
    /// `GET /requests`
    ListRequests,
    /// `GET /public/agencies/{agency}/requests` (no token)
    PublicListRequests,
    /// `GET /public/agencies/{agency}/stats` (no token)
    PublicRequestStats,
    /// `GET /schedules`
    ListSchedules,
    /// `POST /schedules`
    CreateSchedule,
    /// `PATCH /schedules/{id}`
    UpdateSchedule,
    /// `DELETE /schedules/{id}`
    DeleteSchedule,
    /// `GET /holds`
    ListHolds,
    /// `POST /holds`
    CreateHold,
    /// `GET /holds/{id}/records`
    ListHoldRecords,
    /// `POST /holds/{id}/records`
    PlaceHold,
    /// `DELETE /holds/{id}/records/{record_id}`
    LiftHold,
    /// `POST /holds/{id}/release`
    ReleaseHold,
    /// `GET /schedules/{id}/history`
    GetScheduleHistory,
    /// `GET /holds/{id}/history`
    GetHoldHistory,
    /// `GET /disposition/lists`
    ListDispositionLists,
    /// `GET /disposition/lists/{id}`
    GetDispositionList,
    /// `GET /disposition/lists/{id}/certificate`
    GetDispositionCertificate,
    /// `POST /disposition/lists/{id}/items/{record_id}`
    DecideDisposition,
    /// `GET /fixity`
    GetFixity,
}

impl Route {
    /// Every route.
    pub const ALL: [Route; 47] = [
        Self::CreateRecord,
        Self::GetRecord,
        Self::ListRecords,
        Self::UpdateRecord,
        Self::DeleteRecord,
        Self::GetHistory,
        Self::CreateUpload,
        Self::ListDocuments,
        Self::GetDocument,
        Self::GetAgency,
        Self::PutAgency,
        Self::PublicListAgencies,
        Self::PublicGetAgency,
        Self::PublicListRecords,
        Self::PublicGetRecord,
        Self::PublicGetDocument,
        Self::Search,
        Self::PublicSearch,
        Self::SubmitRequest,
        Self::GetRequest,
        Self::UpdateRequest,
        Self::GetRequestHistory,
        Self::GetRequestMessages,
        Self::PublicGetRequest,
        Self::AddRequestMessage,
        Self::PublicAddRequestMessage,
        Self::AddRequestRelease,
        Self::ListRequests,
        Self::PublicListRequests,
        Self::PublicRequestStats,
        Self::ListSchedules,
        Self::CreateSchedule,
        Self::UpdateSchedule,
        Self::DeleteSchedule,
        Self::ListHolds,
        Self::CreateHold,
        Self::ListHoldRecords,
        Self::PlaceHold,
        Self::LiftHold,
        Self::ReleaseHold,
        Self::GetScheduleHistory,
        Self::GetHoldHistory,
        Self::ListDispositionLists,
        Self::GetDispositionList,
        Self::GetDispositionCertificate,
        Self::DecideDisposition,
        Self::GetFixity,
    ];

    /// Method and path template, as API Gateway's route key spells them.
    pub fn key(self) -> (&'static str, &'static str) {
        match self {
            Self::CreateRecord => ("POST", "/records"),
            Self::GetRecord => ("GET", "/records/{id}"),
            Self::ListRecords => ("GET", "/records"),
            Self::UpdateRecord => ("PATCH", "/records/{id}"),
            Self::DeleteRecord => ("DELETE", "/records/{id}"),
            Self::GetHistory => ("GET", "/records/{id}/history"),
            Self::CreateUpload => ("POST", "/records/{id}/documents"),
            Self::ListDocuments => ("GET", "/records/{id}/documents"),
            Self::GetDocument => ("GET", "/records/{id}/documents/{doc_id}"),
            Self::GetAgency => ("GET", "/agency"),
            Self::PutAgency => ("PUT", "/agency"),
            Self::PublicListAgencies => ("GET", "/public/agencies"),
            Self::PublicGetAgency => ("GET", "/public/agencies/{agency}"),
            Self::PublicListRecords => ("GET", "/public/agencies/{agency}/records"),
            Self::PublicGetRecord => ("GET", "/public/agencies/{agency}/records/{id}"),
            Self::PublicGetDocument => (
                "GET",
                "/public/agencies/{agency}/records/{id}/documents/{doc_id}",
            ),
            Self::Search => ("GET", "/search"),
            Self::PublicSearch => ("GET", "/public/agencies/{agency}/search"),
            Self::SubmitRequest => ("POST", "/public/agencies/{agency}/requests"),
            Self::GetRequest => ("GET", "/requests/{number}"),
            Self::UpdateRequest => ("PATCH", "/requests/{number}"),
            Self::GetRequestHistory => ("GET", "/requests/{number}/history"),
            Self::GetRequestMessages => ("GET", "/requests/{number}/messages"),
            Self::PublicGetRequest => ("GET", "/public/agencies/{agency}/requests/{number}"),
            Self::AddRequestMessage => ("POST", "/requests/{number}/messages"),
            Self::PublicAddRequestMessage => (
                "POST",
                "/public/agencies/{agency}/requests/{number}/messages",
            ),
            Self::AddRequestRelease => ("POST", "/requests/{number}/releases"),
            Self::ListRequests => ("GET", "/requests"),
            Self::PublicListRequests => ("GET", "/public/agencies/{agency}/requests"),
            Self::PublicRequestStats => ("GET", "/public/agencies/{agency}/stats"),
            Self::ListSchedules => ("GET", "/schedules"),
            Self::CreateSchedule => ("POST", "/schedules"),
            Self::UpdateSchedule => ("PATCH", "/schedules/{id}"),
            Self::DeleteSchedule => ("DELETE", "/schedules/{id}"),
            Self::ListHolds => ("GET", "/holds"),
            Self::CreateHold => ("POST", "/holds"),
            Self::ListHoldRecords => ("GET", "/holds/{id}/records"),
            Self::PlaceHold => ("POST", "/holds/{id}/records"),
            Self::LiftHold => ("DELETE", "/holds/{id}/records/{record_id}"),
            Self::ReleaseHold => ("POST", "/holds/{id}/release"),
            Self::GetScheduleHistory => ("GET", "/schedules/{id}/history"),
            Self::GetHoldHistory => ("GET", "/holds/{id}/history"),
            Self::ListDispositionLists => ("GET", "/disposition/lists"),
            Self::GetDispositionList => ("GET", "/disposition/lists/{id}"),
            Self::GetDispositionCertificate => ("GET", "/disposition/lists/{id}/certificate"),
            Self::DecideDisposition => ("POST", "/disposition/lists/{id}/items/{record_id}"),
            Self::GetFixity => ("GET", "/fixity"),
        }
    }

    /// The route `method path` matches, with its path parameters, as API Gateway would
    /// match it (a parameter is one non-empty path segment).
    pub fn find(method: &str, path: &str) -> Option<(Route, Vec<(String, String)>)> {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        Self::ALL.into_iter().find_map(|route| {
            let (route_method, template) = route.key();
            if route_method != method {
                return None;
            }
            let parts: Vec<&str> = template.trim_start_matches('/').split('/').collect();
            if parts.len() != segments.len() {
                return None;
            }
            let mut params = Vec::new();
            for (part, segment) in parts.iter().zip(&segments) {
                match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                    Some(name) if !segment.is_empty() => {
                        params.push((name.to_owned(), (*segment).to_owned()))
                    }
                    Some(_) => return None,
                    None if part == segment => {}
                    None => return None,
                }
            }
            Some((route, params))
        })
    }

    /// Answers `request` with this route's handler, exactly as its Lambda binary would.
    pub async fn call<S: Store>(self, deps: &LocalDeps<S>, request: Request) -> Response<Body> {
        let records: &Deps<S> = deps;
        let documents = &deps.documents;
        // Each route's future on the heap: inline, the largest of them all would size
        // every request's future, and with this many routes a debug build overflows a
        // worker thread's stack.
        let answer: Answer<'_> = match self {
            Self::CreateRecord => Box::pin(respond(records, request, create_record::handle)),
            Self::GetRecord => Box::pin(respond(records, request, get_record::handle)),
            Self::ListRecords => Box::pin(respond(records, request, list_records::handle)),
            Self::UpdateRecord => Box::pin(respond(records, request, update_record::handle)),
            Self::DeleteRecord => Box::pin(respond(records, request, delete_record::handle)),
            Self::GetHistory => Box::pin(respond(records, request, get_history::handle)),
            Self::CreateUpload => Box::pin(respond(documents, request, create_upload::handle)),
            Self::ListDocuments => Box::pin(respond(records, request, list_documents::handle)),
            Self::GetDocument => Box::pin(respond(documents, request, get_document::handle)),
            Self::GetAgency => Box::pin(respond(records, request, get_agency::handle)),
            Self::PutAgency => Box::pin(respond(records, request, put_agency::handle)),
            Self::PublicListAgencies => Box::pin(respond_public(
                records,
                request,
                public_list_agencies::handle,
            )),
            Self::PublicGetAgency => {
                Box::pin(respond_public(records, request, public_get_agency::handle))
            }
            Self::PublicListRecords => Box::pin(respond_public(
                records,
                request,
                public_list_records::handle,
            )),
            Self::PublicGetRecord => {
                Box::pin(respond_public(records, request, public_get_record::handle))
            }
            Self::PublicGetDocument => Box::pin(respond_public(
                documents,
                request,
                public_get_document::handle,
            )),
            Self::Search => Box::pin(respond(&deps.search, request, search::handle)),
            Self::PublicSearch => {
                Box::pin(respond_public(&deps.search, request, public_search::handle))
            }
            Self::SubmitRequest => Box::pin(respond_public(
                &deps.requests,
                request,
                submit_request::handle,
            )),
            Self::GetRequest => Box::pin(respond(records, request, get_request::handle)),
            Self::UpdateRequest => {
                Box::pin(respond(&deps.requests, request, update_request::handle))
            }
            Self::GetRequestHistory => {
                Box::pin(respond(records, request, get_request_history::handle))
            }
            Self::GetRequestMessages => {
                Box::pin(respond(records, request, get_request_messages::handle))
            }
            Self::PublicGetRequest => {
                Box::pin(respond_public(records, request, public_get_request::handle))
            }
            Self::AddRequestMessage => {
                Box::pin(respond(records, request, add_request_message::handle))
            }
            Self::PublicAddRequestMessage => Box::pin(respond_public(
                records,
                request,
                public_add_request_message::handle,
            )),
            Self::AddRequestRelease => {
                Box::pin(respond(records, request, add_request_release::handle))
            }
            Self::ListRequests => Box::pin(respond(records, request, list_requests::handle)),
            Self::PublicListRequests => Box::pin(respond_public(
                records,
                request,
                public_list_requests::handle,
            )),
            Self::PublicRequestStats => Box::pin(respond_public(
                records,
                request,
                public_request_stats::handle,
            )),
            Self::ListSchedules => Box::pin(respond(records, request, list_schedules::handle)),
            Self::CreateSchedule => Box::pin(respond(records, request, create_schedule::handle)),
            Self::UpdateSchedule => Box::pin(respond(records, request, update_schedule::handle)),
            Self::DeleteSchedule => Box::pin(respond(records, request, delete_schedule::handle)),
            Self::ListHolds => Box::pin(respond(records, request, list_holds::handle)),
            Self::CreateHold => Box::pin(respond(records, request, create_hold::handle)),
            Self::ListHoldRecords => Box::pin(respond(records, request, list_hold_records::handle)),
            Self::PlaceHold => Box::pin(respond(records, request, place_hold::handle)),
            Self::LiftHold => Box::pin(respond(records, request, lift_hold::handle)),
            Self::ReleaseHold => Box::pin(respond(records, request, release_hold::handle)),
            Self::GetScheduleHistory => {
                Box::pin(respond(records, request, get_schedule_history::handle))
            }
            Self::GetHoldHistory => Box::pin(respond(records, request, get_hold_history::handle)),
            Self::ListDispositionLists => {
                Box::pin(respond(records, request, list_disposition_lists::handle))
            }
            Self::GetDispositionList => {
                Box::pin(respond(records, request, get_disposition_list::handle))
            }
            Self::GetDispositionCertificate => Box::pin(respond(
                records,
                request,
                get_disposition_certificate::handle,
            )),
            Self::DecideDisposition => Box::pin(respond(
                &deps.disposition,
                request,
                decide_disposition::handle,
            )),
            Self::GetFixity => Box::pin(respond(records, request, get_fixity::handle)),
        };
        answer.await
    }
}

/// A route's answer, being worked out.
type Answer<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Response<Body>> + Send + 'a>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_like_api_gateway() {
        let id = "01KBXQ7R5M3N8P2V6W9Y4Z0A1B";
        assert_eq!(
            Route::find("GET", "/records"),
            Some((Route::ListRecords, vec![]))
        );
        assert_eq!(
            Route::find("GET", &format!("/records/{id}")),
            Some((Route::GetRecord, vec![("id".into(), id.into())]))
        );
        assert_eq!(
            Route::find("GET", &format!("/records/{id}/history")).map(|r| r.0),
            Some(Route::GetHistory)
        );
        assert_eq!(
            Route::find("GET", &format!("/records/{id}/documents/{id}")),
            Some((
                Route::GetDocument,
                vec![("id".into(), id.into()), ("doc_id".into(), id.into())]
            ))
        );
        assert_eq!(
            Route::find("PUT", "/agency"),
            Some((Route::PutAgency, vec![]))
        );
        assert_eq!(Route::find("PUT", "/records"), None);
        assert_eq!(Route::find("GET", "/records/"), None);
        assert_eq!(Route::find("GET", "/records/a/b"), None);
        assert_eq!(Route::find("GET", "/other"), None);
    }
}
