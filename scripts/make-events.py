#!/usr/bin/env python3
"""Writes events/*.json: one event per function. HTTP functions get an API Gateway HTTP API
(payload 2.0) event with a long-lived bearer token signed with env.json's development-only
HS256 secret; ingest-document gets an SQS event carrying an S3 ObjectCreated notification;
destroy-records an SQS event carrying a destruction order; anchor-chains, request-deadlines,
disposition-review and fixity-check an EventBridge scheduled event; index-records and purge-documents a
DynamoDB stream event.

Run again after changing env.json's secret or a route. Standard library only."""
import base64, hashlib, hmac, json, pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
ENV = json.loads((ROOT / "env.json").read_text())["Parameters"]
RECORD_ID = "01KBXQ7R5M3N8P2V6W9Y4Z0A1B"  # tests/src/events.rs seeds this record (RECORD_ID there)
DOCUMENT_ID = "01KBXQ9D3C4V5B6N7M8K9J0H1G"  # ... and this document of it
SCHEDULE_ID = "01KBXQB2S3C4H5E6D7V8N9E0AB"  # ... and this retention schedule
HOLD_ID = "01KBXQC7H0KD5V6W7X8Y9Z0A1B"  # ... and this legal hold
LIST_ID = "2026-11"  # ... and the destruction list it is on (the month of the tests' now)
REQUEST_NUMBER = "2026-0001"  # ... and this records request of the agency (REQUEST_NUMBER there)
TRACKING_TOKEN = "ZXZlbnRzLXRyYWNraW5nLXRva2VuLW5vdC1hLXNlY3I"  # ... whose tracking token is this
# The file the document events announce and upload (the RIE tests upload exactly this).
DOCUMENT = b"Minutes of the meeting of 3 March 2026.\nPresent: the board.\n"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(sub: str, roles: list) -> str:
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    claims = {"iss": ENV["JWT_ISSUER"], "aud": ENV["JWT_AUDIENCE"], "sub": sub, "agency": "dev",
              "roles": roles, "iat": 1795688498, "exp": 4102444800}  # valid until 2100
    payload = b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(ENV["JWT_HS256_SECRET"].encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


def event(method, route, path_params=None, query="", headers=None, body=None, roles=("officer",)):
    """An event of a route that takes a token; `roles=None`: a public route, no token."""
    path = route
    for name, value in (path_params or {}).items():
        path = path.replace("{" + name + "}", value)
    all_headers = {"accept": "application/json", "host": "dossier.execute-api.us-east-1.amazonaws.com",
                   "user-agent": "curl/8.5.0", "x-forwarded-proto": "https"}
    if roles:
        all_headers["authorization"] = "Bearer " + token("dev-" + roles[0], list(roles))
    all_headers.update(headers or {})
    result = {
        "version": "2.0",
        "routeKey": f"{method} {route}",
        "rawPath": path,
        "rawQueryString": query,
        "headers": all_headers,
        "requestContext": {
            "accountId": "123456789012", "apiId": "dossier",
            "domainName": "dossier.execute-api.us-east-1.amazonaws.com", "domainPrefix": "dossier",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.10",
                     "userAgent": "curl/8.5.0"},
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "routeKey": f"{method} {route}",
            "stage": "$default", "time": "26/Nov/2026:10:21:38 +0000", "timeEpoch": 1795688498000,
        },
        "isBase64Encoded": False,
    }
    if query:
        result["queryStringParameters"] = dict(p.split("=", 1) for p in query.split("&"))
    if path_params:
        result["pathParameters"] = path_params
    if body is not None:
        result["body"] = json.dumps(body)
    return result


EVENTS = {
    "create-record": event("POST", "/records", headers={"content-type": "application/json",
                                                         "idempotency-key": "events-create-1"},
                           body={"title": "Building permit 2026-114", "description": "Two-storey extension.",
                                 "classification": "internal", "tags": ["permits", "2026"],
                                 "retention_until": "2036-12-31"}, roles=("clerk",)),
    "get-record": event("GET", "/records/{id}", {"id": RECORD_ID}, roles=("reader",)),
    "list-records": event("GET", "/records", query="status=draft&limit=10", roles=("reader",)),
    "update-record": event("PATCH", "/records/{id}", {"id": RECORD_ID},
                           headers={"content-type": "application/merge-patch+json", "if-match": '"1"'},
                           body={"title": "Building permit 2026-114 (amended)", "tags": ["permits"]},
                           roles=("clerk",)),
    "get-history": event("GET", "/records/{id}/history", {"id": RECORD_ID}, query="limit=50",
                         roles=("auditor",)),
    "delete-record": event("DELETE", "/records/{id}", {"id": RECORD_ID}, headers={"if-match": '"1"'}),
    "get-agency": event("GET", "/agency", roles=("reader",)),
    # The first write of the agency's profile: no If-Match.
    "put-agency": event("PUT", "/agency", headers={"content-type": "application/json"},
                        body={"name": "Development Agency", "description": "Records of the dev agency.",
                              "contact_email": "records@dev.example.gov",
                              "website": "https://dev.example.gov", "timezone": "America/Chicago"}),
}

def sqs_s3_event(key: str, size: int) -> dict:
    """An SQS event as Lambda delivers it, its body an S3 notification as S3 sends it."""
    notification = {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2026-11-26T10:21:40.123Z", "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:AROAEXAMPLE:create-upload"},
        "requestParameters": {"sourceIPAddress": "192.0.2.10"},
        "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "documents",
               "bucket": {"name": ENV["BUCKET_NAME"], "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                          "arn": "arn:aws:s3:::" + ENV["BUCKET_NAME"]},
               "object": {"key": key, "size": size, "eTag": "d41d8cd98f00b204e9800998ecf8427e",
                          "versionId": "096fKKXTRTtl3on89fVO.nfljtsv6qko", "sequencer": "0055AED6DCD90281E5"}},
    }]}
    body = json.dumps(notification)
    return {"Records": [{
        "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
        "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795688500123",
                       "SenderId": "AIDAIENQZJOLO23YVJ4VO", "ApproximateFirstReceiveTimestamp": "1795688500130"},
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:dossier-documents",
        "awsRegion": "us-east-1",
    }]}


EVENTS.update({
    "create-upload": event("POST", "/records/{id}/documents", {"id": RECORD_ID},
                           headers={"content-type": "application/json"},
                           body={"filename": "Minutes 3 March 2026.txt", "content_type": "text/plain",
                                 "size": len(DOCUMENT),
                                 "sha256": base64.b64encode(hashlib.sha256(DOCUMENT).digest()).decode()},
                           roles=("clerk",)),
    "list-documents": event("GET", "/records/{id}/documents", {"id": RECORD_ID}, query="limit=10",
                            roles=("reader",)),
    "get-document": event("GET", "/records/{id}/documents/{doc_id}", {"id": RECORD_ID, "doc_id": DOCUMENT_ID},
                          roles=("reader",)),
    "public-list-agencies": event("GET", "/public/agencies", query="limit=25", roles=None),
    "public-get-agency": event("GET", "/public/agencies/{agency}", {"agency": "dev"}, roles=None),
    "public-list-records": event("GET", "/public/agencies/{agency}/records", {"agency": "dev"},
                                 query="tag=permits&limit=10", roles=None),
    "public-get-record": event("GET", "/public/agencies/{agency}/records/{id}",
                               {"agency": "dev", "id": RECORD_ID}, roles=None),
    "public-get-document": event("GET", "/public/agencies/{agency}/records/{id}/documents/{doc_id}",
                                 {"agency": "dev", "id": RECORD_ID, "doc_id": DOCUMENT_ID}, roles=None),
    "submit-request": event("POST", "/public/agencies/{agency}/requests", {"agency": "dev"},
                            headers={"content-type": "application/json",
                                     "idempotency-key": "7c0e5a4e-3d1b-4f3e-9a57-events-submit"},
                            body={"description": "Every building permit issued on Elm Street in 2025.",
                                  "requester": {"name": "Ada Lovelace", "email": "ada@example.org"}},
                            roles=None),
    "get-request": event("GET", "/requests/{number}", {"number": REQUEST_NUMBER}, roles=("reader",)),
    "update-request": event("PATCH", "/requests/{number}", {"number": REQUEST_NUMBER},
                            headers={"content-type": "application/merge-patch+json", "if-match": '"1"'},
                            body={"assignee": "dev-clerk", "status": "in_progress"},
                            roles=("clerk",)),
    "get-request-history": event("GET", "/requests/{number}/history", {"number": REQUEST_NUMBER},
                                 query="limit=50", roles=("auditor",)),
    "get-request-messages": event("GET", "/requests/{number}/messages", {"number": REQUEST_NUMBER},
                                  roles=("reader",)),
    "public-get-request": event("GET", "/public/agencies/{agency}/requests/{number}",
                                {"agency": "dev", "number": REQUEST_NUMBER}, roles=None),
    "add-request-message": event("POST", "/requests/{number}/messages", {"number": REQUEST_NUMBER},
                                 headers={"content-type": "application/json"},
                                 body={"body": "Which years do you mean?", "visibility": "requester"},
                                 roles=("clerk",)),
    "public-add-request-message": event("POST", "/public/agencies/{agency}/requests/{number}/messages",
                                        {"agency": "dev", "number": REQUEST_NUMBER},
                                        headers={"content-type": "application/json",
                                                 "authorization": "Tracking " + TRACKING_TOKEN},
                                        body={"body": "Only 2025, please."}, roles=None),
    "add-request-release": event("POST", "/requests/{number}/releases", {"number": REQUEST_NUMBER},
                                 headers={"content-type": "application/json"},
                                 body={"record_id": RECORD_ID, "document_id": DOCUMENT_ID},
                                 roles=("clerk",)),
    "list-requests": event("GET", "/requests", query="overdue=false&limit=25", roles=("reader",)),
    "public-list-requests": event("GET", "/public/agencies/{agency}/requests", {"agency": "dev"},
                                  query="limit=25", roles=None),
    "public-request-stats": event("GET", "/public/agencies/{agency}/stats", {"agency": "dev"},
                                  query="year=2026", roles=None),
    "list-schedules": event("GET", "/schedules", roles=("reader",)),
    "create-schedule": event("POST", "/schedules", headers={"content-type": "application/json"},
                             body={"name": "Council minutes (GS 1.1)", "keep": {"years": 10},
                                   "from": "created", "action": "review"}),
    "update-schedule": event("PATCH", "/schedules/{id}", {"id": SCHEDULE_ID},
                             headers={"content-type": "application/merge-patch+json", "if-match": '"1"'},
                             body={"keep": {"years": 7, "months": 6}}),
    "delete-schedule": event("DELETE", "/schedules/{id}", {"id": SCHEDULE_ID}, headers={"if-match": '"1"'}),
    "list-holds": event("GET", "/holds", roles=("auditor",)),
    "create-hold": event("POST", "/holds", headers={"content-type": "application/json"},
                         body={"name": "Smith v. Development Agency",
                               "reason": "Complaint served 1 December 2026: keep every permit for Elm Street."}),
    "list-hold-records": event("GET", "/holds/{id}/records", {"id": HOLD_ID}, query="limit=25",
                               roles=("auditor",)),
    "place-hold": event("POST", "/holds/{id}/records", {"id": HOLD_ID},
                        headers={"content-type": "application/json"}, body={"record_id": RECORD_ID}),
    "lift-hold": event("DELETE", "/holds/{id}/records/{record_id}", {"id": HOLD_ID, "record_id": RECORD_ID}),
    "release-hold": event("POST", "/holds/{id}/release", {"id": HOLD_ID}),
    "get-schedule-history": event("GET", "/schedules/{id}/history", {"id": SCHEDULE_ID}, query="limit=50",
                                  roles=("auditor",)),
    "get-hold-history": event("GET", "/holds/{id}/history", {"id": HOLD_ID}, query="limit=50",
                              roles=("auditor",)),
    "list-disposition-lists": event("GET", "/disposition/lists", roles=("auditor",)),
    "get-disposition-list": event("GET", "/disposition/lists/{id}", {"id": LIST_ID}, query="limit=25",
                                  roles=("auditor",)),
    "get-disposition-certificate": event("GET", "/disposition/lists/{id}/certificate", {"id": LIST_ID},
                                         roles=("auditor",)),
    "decide-disposition": event("POST", "/disposition/lists/{id}/items/{record_id}",
                                {"id": LIST_ID, "record_id": RECORD_ID},
                                headers={"content-type": "application/json"},
                                body={"decision": "approve",
                                      "reason": "Schedule GS 4.2 met; no open request or litigation names it."}),
    "get-fixity": event("GET", "/fixity", roles=("auditor",)),
    "search": event("GET", "/search", query="q=permit&limit=10", roles=("reader",)),
    "public-search": event("GET", "/public/agencies/{agency}/search", {"agency": "dev"},
                           query="q=permit&limit=10", roles=None),
    # One change of the record, as the table's stream delivers it (keys and new image;
    # the table's key attributes are pk and sk).
    "index-records": {"Records": [{
        "eventID": "c4ca4238a0b923820dcc509a6f75849b", "eventName": "MODIFY", "eventVersion": "1.1",
        "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1795688498, "SizeBytes": 180, "StreamViewType": "NEW_AND_OLD_IMAGES",
            "SequenceNumber": "111000000000000000000000001",
            "Keys": {"pk": {"S": f"A#dev#R#{RECORD_ID}"}, "sk": {"S": "RECORD"}},
            "NewImage": {"pk": {"S": f"A#dev#R#{RECORD_ID}"}, "sk": {"S": "RECORD"},
                         "status": {"S": "published"}, "classification": {"S": "public"}},
        },
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/dossier-dev-records/stream/2026-11-26T10:21:38.000",
    }]},
    # A record's own item leaving the table, as the purge function's filter lets through.
    "purge-documents": {"Records": [{
        "eventID": "e4da3b7fbbce2345d7772b0674a318d5", "eventName": "REMOVE", "eventVersion": "1.1",
        "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1795688498, "SizeBytes": 120, "StreamViewType": "NEW_AND_OLD_IMAGES",
            "SequenceNumber": "111000000000000000000000002",
            "Keys": {"pk": {"S": f"A#dev#R#{RECORD_ID}"}, "sk": {"S": "RECORD"}},
            "OldImage": {"pk": {"S": f"A#dev#R#{RECORD_ID}"}, "sk": {"S": "RECORD"},
                         "status": {"S": "draft"}, "classification": {"S": "internal"}},
        },
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/dossier-dev-records/stream/2026-11-26T10:21:38.000",
    }]},
    # One approved destruction, as decide-disposition sends it to the destruction queue.
    "destroy-records": {"Records": [{
        "messageId": "2e1424d4-f796-459a-8184-9c92662be6da",
        "receiptHandle": "AQEBzWwaftRI0KuVm4tP+/7q1rGgNqicHq...",
        "body": json.dumps({"agency": "dev", "list": LIST_ID, "record": RECORD_ID}),
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795688500123",
                       "SenderId": "AROAEXAMPLE:decide-disposition", "ApproximateFirstReceiveTimestamp": "1795688500130"},
        "messageAttributes": {}, "md5OfBody": hashlib.md5(json.dumps(
            {"agency": "dev", "list": LIST_ID, "record": RECORD_ID}).encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:dossier-destruction",
        "awsRegion": "us-east-1",
    }]},
    "ingest-document": sqs_s3_event(f"documents/dev/{RECORD_ID}/{DOCUMENT_ID}", len(DOCUMENT)),
    # What an EventBridge schedule rule delivers (the function reads none of it).
    "anchor-chains": {
        "version": "0", "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa", "detail-type": "Scheduled Event",
        "source": "aws.events", "account": "123456789012", "time": "2026-11-27T08:00:00Z",
        "region": "us-east-1", "resources": ["arn:aws:events:us-east-1:123456789012:rule/dossier-dev-anchor-chains"],
        "detail": {},
    },
    "disposition-review": {
        "version": "0", "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "detail-type": "Scheduled Event",
        "source": "aws.events", "account": "123456789012", "time": "2026-12-01T06:00:00Z",
        "region": "us-east-1", "resources": ["arn:aws:events:us-east-1:123456789012:rule/dossier-dev-disposition-review"],
        "detail": {},
    },
    "fixity-check": {
        "version": "0", "id": "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "detail-type": "Scheduled Event",
        "source": "aws.events", "account": "123456789012", "time": "2026-12-01T03:00:00Z",
        "region": "us-east-1", "resources": ["arn:aws:events:us-east-1:123456789012:rule/dossier-dev-fixity-check"],
        "detail": {},
    },
    "request-deadlines": {
        "version": "0", "id": "0b8f3f39-5c1e-4f0e-9a51-6a2b3c4d5e6f", "detail-type": "Scheduled Event",
        "source": "aws.events", "account": "123456789012", "time": "2026-11-27T13:00:00Z",
        "region": "us-east-1", "resources": ["arn:aws:events:us-east-1:123456789012:rule/dossier-dev-request-deadlines"],
        "detail": {},
    },
})

for name, body in EVENTS.items():
    (ROOT / "events" / f"{name}.json").write_text(json.dumps(body, indent=2) + "\n")
