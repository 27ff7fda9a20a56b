#!/usr/bin/env python3
"""The moto server, serving one request at a time.

`moto_server` serves requests on threads, but moto's DynamoDB backend has no locking: a
TransactWriteItems snapshots the whole table and restores that snapshot when a condition
fails, so two concurrent transactions can undo each other. Real DynamoDB transactions are
serializable; serving requests one at a time makes the emulator behave that way too, so
the concurrency tests test Dossier, not the emulator.

It also answers GET /_dossier/ses/sent with the emails its SES accepted (moto keeps them
but has no API for them; /moto-api/data.json dumps every service at once and fails on
some of their models), so tests can read what the functions sent.

Usage: moto-server.py HOST PORT"""
import json
import sys

from werkzeug.serving import run_simple

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

from moto.ses.models import ses_backends

SENT_PATH = "/_dossier/ses/sent"


def sent_emails():
    """Every email moto's SES accepted, in every account and region, oldest first."""
    sent = []
    for regions in ses_backends.values():
        for backend in regions.values():
            for message in backend.sent_messages:
                if hasattr(message, "subject"):
                    sent.append({"source": message.source, "destinations": message.destinations,
                                 "subject": message.subject, "body": message.body})
    return sent


def with_sent_emails(app):
    def answer(environ, start_response):
        if environ.get("PATH_INFO") != SENT_PATH:
            return app(environ, start_response)
        body = json.dumps(sent_emails()).encode()
        start_response("200 OK", [("content-type", "application/json"), ("content-length", str(len(body)))])
        return [body]
    return answer


host, port = sys.argv[1], int(sys.argv[2])
app = with_sent_emails(DomainDispatcherApplication(create_backend_app))
run_simple(host, port, app, threaded=False, request_handler=MotoRequestHandler)
