#!/usr/bin/env python3
"""The moto server, serving one request at a time.

`moto_server` serves requests on threads, but moto's DynamoDB backend has no locking: a
TransactWriteItems snapshots the whole table and restores that snapshot when a condition
fails, so two concurrent transactions can undo each other. Real DynamoDB transactions are
serializable; serving requests one at a time makes the emulator behave that way too, so
the concurrency tests test Dossier, not the emulator.

Usage: moto-server.py HOST PORT"""
import sys

from werkzeug.serving import run_simple

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

host, port = sys.argv[1], int(sys.argv[2])
app = DomainDispatcherApplication(create_backend_app)
run_simple(host, port, app, threaded=False, request_handler=MotoRequestHandler)
