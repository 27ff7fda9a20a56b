#!/usr/bin/env python3
"""Publishes the portal (web/) to the stack's web bucket, as the CI workflow does after each
deploy, and writes the sign-in.json that tells the portal how staff sign in.

    .venv/bin/python scripts/publish-web.py --stack dossier-dev
    .venv/bin/python scripts/publish-web.py --bucket NAME [--distribution ID]
        [--authorization-url URL --token-url URL --client-id ID] [--portal-url URL --allowed-origins A,B]

With --stack, everything else comes from the stack's outputs and parameters. Every file is
sent with Cache-Control: no-cache (CloudFront and browsers revalidate by ETag, so a new
version is seen at once); files no longer in web/ are removed (the bucket keeps old versions
30 days); the distribution's cache is invalidated. Uses boto3 from .venv and the usual AWS
settings (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL).
"""

import argparse
import json
import mimetypes
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import boto3

WEB = Path(__file__).resolve().parents[1] / "web"
# What web/ holds for development only.
LEFT_OUT = {"node_modules", "package.json", "package-lock.json"}
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".json": "application/json"}


def files():
    """(key, path) of every file of the portal."""
    for path in sorted(WEB.rglob("*")):
        parts = path.relative_to(WEB).parts
        if path.is_file() and parts[0] not in LEFT_OUT and not any(p.startswith(".") for p in parts):
            yield "/".join(parts), path


def content_type(key):
    suffix = Path(key).suffix
    return TYPES.get(suffix) or mimetypes.guess_type(key)[0] or "text/plain; charset=utf-8"


def sign_in_settings(args):
    if args.authorization_url and args.token_url and args.client_id:
        return {"authorization_url": args.authorization_url, "token_url": args.token_url,
                "client_id": args.client_id, "scope": "openid"}
    return {}


def from_stack(args):
    stack = boto3.client("cloudformation").describe_stacks(StackName=args.stack)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}
    args.bucket = outputs["WebBucketName"]
    args.distribution = outputs.get("PortalDistributionId")
    args.portal_url = outputs.get("PortalUrl")
    args.authorization_url = outputs.get("OidcAuthorizationUrl")
    args.token_url = outputs.get("OidcTokenUrl")
    args.client_id = outputs.get("OidcClientId")
    args.allowed_origins = parameters.get("AllowedOrigins", "")


def check_origin(args):
    """Uploads go from the portal straight to the documents bucket, whose CORS lists the
    origins allowed: say so if the portal's is not among them."""
    if not args.portal_url:
        return
    origin = "{0.scheme}://{0.netloc}".format(urlparse(args.portal_url))
    allowed = [o.strip() for o in (args.allowed_origins or "").split(",")]
    if origin not in allowed:
        print(f"::warning::{origin} is not in the stack's AllowedOrigins: the documents bucket will refuse "
              "the portal's uploads until it is (redeploy with it added, or set PortalDomainName).")


def publish(args):
    s3 = boto3.client("s3")
    sent = set()
    for key, path in files():
        s3.put_object(Bucket=args.bucket, Key=key, Body=path.read_bytes(),
                      ContentType=content_type(key), CacheControl="no-cache")
        sent.add(key)
    s3.put_object(Bucket=args.bucket, Key="sign-in.json", Body=json.dumps(sign_in_settings(args)).encode(),
                  ContentType="application/json", CacheControl="no-cache")
    sent.add("sign-in.json")
    stale = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=args.bucket):
        stale += [{"Key": o["Key"]} for o in page.get("Contents", []) if o["Key"] not in sent]
    for at in range(0, len(stale), 1000):
        s3.delete_objects(Bucket=args.bucket, Delete={"Objects": stale[at:at + 1000], "Quiet": True})
    if args.distribution:
        boto3.client("cloudfront").create_invalidation(
            DistributionId=args.distribution,
            InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": f"publish-web-{time.time_ns()}"},
        )
    print(f"published {len(sent)} files to s3://{args.bucket} ({len(stale)} stale removed)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack")
    parser.add_argument("--bucket")
    parser.add_argument("--distribution")
    parser.add_argument("--portal-url")
    parser.add_argument("--allowed-origins")
    parser.add_argument("--authorization-url")
    parser.add_argument("--token-url")
    parser.add_argument("--client-id")
    args = parser.parse_args()
    if args.stack:
        from_stack(args)
    if not args.bucket:
        parser.error("--stack or --bucket is needed")
    check_origin(args)
    publish(args)


if __name__ == "__main__":
    sys.exit(main())
