#!/usr/bin/env python3
"""`make invoke FN=<function>`: one function as `sam build` built it, under the Lambda Runtime
Interface Emulator that ships in aws-sam-cli, answering `events/<function>.json`, against a moto
server provisioned from template.yaml. No Docker, no AWS account.

1. moto: reuses the server recorded in .tmp/invoke/moto.json while it answers, else starts one
   (`make invoke-stop` stops it); --endpoint uses another.
2. provisions, from template.yaml's RecordsTable, a fresh table named as env.json's TABLE_NAME,
   the bucket BUCKET_NAME and the index bucket INDEX_BUCKET, emptied (so every invocation
   starts from the same world); the anchors
   bucket ANCHOR_BUCKET (Object Lock) and the signing key ANCHOR_KEY_ID (an alias) if missing.
3. seeds exactly what the event acts on (the record, its document, the uploaded object) with
   the `seed-events` binary, through the same store code the functions run.
4. writes .tmp/invoke/env.json (env.json plus AWS_ENDPOINT_URL pointing at moto) and computes
   the environment `sam local invoke --env-vars .tmp/invoke/env.json` gives the function, with
   SAM's own code: the template's variables, env.json overriding them, the AWS_* SAM adds.
5. runs the function's bootstrap (built by `sam build <LogicalId> --build-dir .aws-sam/invoke`,
   or with --no-build what `make build` left in .aws-sam/build) under the emulator, sends the
   event, prints the function's response (and, with --logs, what it logged).

Usage: scripts/invoke.py FUNCTION [--endpoint URL] [--no-build] [--seeder PATH] [--logs]
       scripts/invoke.py --stop
"""
import argparse
import json
import os
import pathlib
import platform
import signal
import socket
import subprocess
import sys
import time
import types
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
STATE = ROOT / ".tmp" / "invoke"
MOTO_STATE = STATE / "moto.json"
REGION = "us-east-1"
# What the seeder, boto3 and the function sign with: moto accepts any credentials.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": REGION}


def fail(message):
    print(f"invoke: {message}", file=sys.stderr)
    sys.exit(1)


def free_port(preferred=None):
    for port in ([preferred] if preferred else []) + [0]:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    fail("no free port")


def two_free_ports():
    """Two distinct free ports, both held until both are known."""
    first, second = socket.socket(), socket.socket()
    with first, second:
        first.bind(("127.0.0.1", 0))
        second.bind(("127.0.0.1", 0))
        return first.getsockname()[1], second.getsockname()[1]


def architecture():
    """The Lambda architecture this machine runs natively: the emulator runs Linux binaries."""
    if platform.system() != "Linux":
        fail("make invoke runs the functions' Linux binaries: on another system use "
             "sam local invoke with Docker (README, \"sam local invoke\")")
    machine = platform.machine()
    return {"x86_64": "x86_64", "aarch64": "arm64"}.get(machine) or fail(f"no Lambda architecture for {machine}")


def answers(endpoint):
    try:
        urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).read()
        return True
    except (urllib.error.URLError, OSError):
        return False


def moto_endpoint():
    """The recorded moto server if it still answers, else a new one, detached from us."""
    if MOTO_STATE.exists():
        state = json.loads(MOTO_STATE.read_text())
        if answers(state["endpoint"]):
            return state["endpoint"]
    STATE.mkdir(parents=True, exist_ok=True)
    port = free_port(int(os.environ.get("MOTO_PORT", "4566")))
    log = open(STATE / "moto.log", "wb")
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "moto-server.py"), "127.0.0.1", str(port)],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        if answers(endpoint):
            MOTO_STATE.write_text(json.dumps({"endpoint": endpoint, "pid": server.pid}))
            print(f"invoke: moto on {endpoint} (pid {server.pid}; make invoke-stop stops it)", file=sys.stderr)
            return endpoint
        if server.poll() is not None:
            fail(f"moto did not start: {(STATE / 'moto.log').read_text()}")
        time.sleep(0.1)
    fail("moto did not answer")


def stop():
    if not MOTO_STATE.exists():
        return
    state = json.loads(MOTO_STATE.read_text())
    # Only the server we started: after a reboot the pid may be another process's.
    try:
        ours = "moto-server.py" in pathlib.Path(f"/proc/{state['pid']}/cmdline").read_text()
    except OSError:
        ours = False
    if ours:
        os.killpg(state["pid"], signal.SIGTERM)
        print(f"invoke: stopped moto (pid {state['pid']})", file=sys.stderr)
    MOTO_STATE.unlink()


def template():
    from samcli.yamlhelper import yaml_parse
    return yaml_parse((ROOT / "template.yaml").read_text())


def logical_id(tpl, function):
    for name, resource in tpl["Resources"].items():
        if resource.get("Type") == "AWS::Serverless::Function" and \
                resource.get("Metadata", {}).get("BuildProperties", {}).get("Binary") == function:
            return name
    fail(f"no function in template.yaml builds {function!r}")


def provision(tpl, endpoint, table, bucket, index_bucket, anchors, queue_url):
    """A fresh table shaped as the template's RecordsTable, the documents bucket, what
    the anchoring function signs with and writes to (an ECC_NIST_P256 key under env.json's
    alias, and an Object Lock bucket, both kept across runs, as a deployed stack's are),
    and the destruction queue env.json names (moto finds a queue by the name its URL ends
    with, whatever the host)."""
    import boto3
    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)
    dynamodb = session.client("dynamodb", endpoint_url=endpoint)
    spec = tpl["Resources"]["RecordsTable"]["Properties"]
    try:
        dynamodb.delete_table(TableName=table)
        dynamodb.get_waiter("table_not_exists").wait(TableName=table)
    except dynamodb.exceptions.ResourceNotFoundException:
        pass
    dynamodb.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=spec["AttributeDefinitions"], KeySchema=spec["KeySchema"],
        GlobalSecondaryIndexes=[{key: index[key] for key in ("IndexName", "KeySchema", "Projection")}
                                for index in spec["GlobalSecondaryIndexes"]])
    ttl = spec["TimeToLiveSpecification"]
    dynamodb.update_time_to_live(TableName=table, TimeToLiveSpecification=ttl)
    s3 = session.client("s3", endpoint_url=endpoint)
    try:
        s3.create_bucket(Bucket=bucket)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    # The search indexes: emptied, so an index from an earlier run never answers.
    try:
        s3.create_bucket(Bucket=index_bucket)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=index_bucket):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=index_bucket, Key=item["Key"])
    anchor_bucket, anchor_key = anchors
    # Created (and locked) once: in us-east-1 a second CreateBucket of one's own bucket
    # succeeds, and a bucket holding anchors may not be reconfigured.
    existing = {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}
    if anchor_bucket not in existing:
        s3.create_bucket(Bucket=anchor_bucket, ObjectLockEnabledForBucket=True)
        s3.put_object_lock_configuration(Bucket=anchor_bucket, ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}}})
    sqs = session.client("sqs", endpoint_url=endpoint)
    sqs.create_queue(QueueName=queue_url.rsplit("/", 1)[-1])
    kms = session.client("kms", endpoint_url=endpoint)
    try:
        kms.describe_key(KeyId=anchor_key)
    except kms.exceptions.NotFoundException:
        key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
        kms.create_alias(AliasName=anchor_key, TargetKeyId=key["KeyMetadata"]["KeyId"])


def sam_environment(logical, overrides_file, arch):
    """What `sam local invoke <logical> --env-vars <overrides_file>` gives the function,
    computed by SAM's own code, with moto's credentials and region in place of the shell's
    (which `sam local invoke` would pass on)."""
    from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
    from samcli.lib.providers.sam_function_provider import SamFunctionProvider
    from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider
    overrides = {"Architecture": arch}
    try:
        stacks, _ = SamLocalStackProvider.get_stacks(str(ROOT / "template.yaml"), parameter_overrides=overrides)
        function = SamFunctionProvider(stacks).get(logical)
        # The method `sam local invoke` itself calls, on a stand-in for its runner: it reads
        # only these three members (aws-sam-cli is pinned in scripts/requirements.txt).
        runner = types.SimpleNamespace(
            env_vars_values=json.loads(pathlib.Path(overrides_file).read_text()),
            get_aws_creds=lambda: {"region": REGION, "key": "test", "secret": "test"},
            is_debugging=lambda: False)
        return LocalLambdaRunner._make_env_vars(runner, function).resolve()
    except (AttributeError, TypeError) as error:
        fail(f"aws-sam-cli changed how it computes a function's environment ({error}): "
             "check the pin in scripts/requirements.txt")


def rie_path(arch):
    import samcli
    path = pathlib.Path(samcli.__file__).parent / "local" / "rapid" / f"aws-lambda-rie-{arch}"
    if not path.exists():
        fail(f"no Lambda emulator at {path}")
    return path


def invoke(bootstrap, env, event, log_path, arch):
    """Runs `bootstrap` under the emulator with exactly `env`; sends `event`; returns the answer."""
    port, runtime_port = two_free_ports()
    with open(log_path, "wb") as log:
        emulator = subprocess.Popen(
            [str(rie_path(arch)), "--runtime-interface-emulator-address", f"127.0.0.1:{port}",
             "--runtime-api-address", f"127.0.0.1:{runtime_port}", str(bootstrap)],
            env={**env, "PATH": "/usr/bin:/bin"}, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/2015-03-31/functions/function/invocations"
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if emulator.poll() is not None:
                    fail(f"the emulator exited: {pathlib.Path(log_path).read_text()}")
                time.sleep(0.05)
        request = urllib.request.Request(url, data=json.dumps(event).encode(), method="POST")
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read() or b"null")
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("function", nargs="?", help="a function with an event in events/, e.g. get-record")
    parser.add_argument("--endpoint", help="a moto server to use instead of the recorded one")
    parser.add_argument("--no-build", action="store_true", help="run what `make build` left in .aws-sam/build")
    parser.add_argument("--seeder", help="the seed-events binary (default: cargo build it)")
    parser.add_argument("--logs", action="store_true", help="also print what the function logged")
    parser.add_argument("--stop", action="store_true", help="stop the recorded moto server")
    args = parser.parse_args()
    if args.stop:
        return stop()
    function = args.function or fail("name a function: make invoke FN=get-record")
    event_file = ROOT / "events" / f"{function}.json"
    if not event_file.exists():
        names = sorted(p.stem for p in (ROOT / "events").glob("*.json"))
        fail(f"no events/{function}.json (one of: {', '.join(names)})")
    tpl = template()
    logical = logical_id(tpl, function)
    arch = architecture()
    STATE.mkdir(parents=True, exist_ok=True)

    # One function built apart: `sam build <function>` would leave only it in .aws-sam/build.
    build_dir = ROOT / ".aws-sam" / ("build" if args.no_build else "invoke")
    if not args.no_build:
        print(f"invoke: sam build {logical} --build-dir {build_dir.relative_to(ROOT)}", file=sys.stderr)
        with open(STATE / "sam-build.log", "wb") as log:
            built = subprocess.run(["sam", "build", logical, "--build-dir", str(build_dir),
                                    "--parameter-overrides", f"Architecture={arch}"],
                                   cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                   env={**os.environ, "SAM_CLI_TELEMETRY": "0"})
        if built.returncode:
            fail(f"sam build failed: {(STATE / 'sam-build.log').read_text()}")
    bootstrap = build_dir / logical / "bootstrap"
    if not bootstrap.exists():
        fail(f"{bootstrap} is missing: run without --no-build, or make build")
    seeder = args.seeder
    if not seeder:
        subprocess.run(["cargo", "build", "--quiet", "-p", "dossier-tests", "--bin", "seed-events"],
                       cwd=ROOT, check=True)
        seeder = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug" / "seed-events"

    endpoint = args.endpoint or moto_endpoint()
    parameters = json.loads((ROOT / "env.json").read_text())["Parameters"]
    table, bucket = parameters["TABLE_NAME"], parameters["BUCKET_NAME"]
    index_bucket = parameters["INDEX_BUCKET"]
    provision(tpl, endpoint, table, bucket, index_bucket, (parameters["ANCHOR_BUCKET"], parameters["ANCHOR_KEY_ID"]),
              parameters["DESTRUCTION_QUEUE_URL"])
    aws = {**CREDENTIALS, "AWS_ENDPOINT_URL": endpoint}
    seeded = subprocess.run([str(seeder), function], capture_output=True, text=True,
                            env={"PATH": os.environ.get("PATH", ""), "TABLE_NAME": table, "BUCKET_NAME": bucket,
                                 "INDEX_BUCKET": index_bucket,
                                 "AWS_EC2_METADATA_DISABLED": "true", **aws})
    if seeded.returncode:
        fail(f"seeding failed: {seeded.stderr}")

    overrides = STATE / "env.json"
    overrides.write_text(json.dumps({"Parameters": {**parameters, "AWS_ENDPOINT_URL": endpoint}}, indent=2) + "\n")
    env = sam_environment(logical, overrides, arch)
    log_path = STATE / f"{function}.log"
    response = invoke(bootstrap, env, json.loads(event_file.read_text()), log_path, arch)
    print(json.dumps(response, indent=2))
    if args.logs:
        print(log_path.read_text(), file=sys.stderr)
    # A function error comes back as a 200 from the emulator, with errorType.
    if isinstance(response, dict) and "errorType" in response:
        fail(f"{function} failed (log: {log_path})")


if __name__ == "__main__":
    main()
