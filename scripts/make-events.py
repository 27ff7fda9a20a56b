#!/usr/bin/env python3
"""Writes events/*.json: one API Gateway HTTP API (payload 2.0) event per function, each
with a long-lived bearer token signed with env.json's development-only HS256 secret.

Run again after changing env.json's secret or a route. Standard library only."""
import base64, hashlib, hmac, json, pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
ENV = json.loads((ROOT / "env.json").read_text())["Parameters"]
RECORD_ID = "01KBXQ7R5M3N8P2V6W9Y4Z0A1B"  # the RIE tests seed this record


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
    path = route
    for name, value in (path_params or {}).items():
        path = path.replace("{" + name + "}", value)
    all_headers = {"accept": "application/json", "host": "dossier.execute-api.us-east-1.amazonaws.com",
                   "user-agent": "curl/8.5.0", "x-forwarded-proto": "https",
                   "authorization": "Bearer " + token("dev-" + roles[0], list(roles))}
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
    "delete-record": event("DELETE", "/records/{id}", {"id": RECORD_ID}, headers={"if-match": '"2"'}),
}

for name, body in EVENTS.items():
    (ROOT / "events" / f"{name}.json").write_text(json.dumps(body, indent=2) + "\n")
