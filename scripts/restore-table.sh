#!/usr/bin/env bash
# Restores a Dossier stack's DynamoDB table to a point in time, into a new table, and
# re-points the stack's functions at it (the template's RestoredTableName parameter).
# Runbook: docs/operations.md. Try it first with --dry-run: that prints every command and
# runs none (no AWS call, no credentials needed).
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/restore-table.sh --stack NAME --time ISO8601|latest [options]

Restores the stack's DynamoDB table to a point in time into a NEW table, sets on it what
a restore does not carry over (point-in-time recovery, TTL, deletion protection, stream,
tags), then runs `sam deploy` with RestoredTableName=<new table> so that every function
uses it. The old table is left untouched.

Required:
  --stack NAME          the CloudFormation stack (samconfig.toml's stack_name, e.g. dossier-prod)
  --time T              the point in time, ISO 8601 with a zone: 2026-11-26T14:50:00Z or
                        2026-11-26T15:50:00+01:00 (fractions of a second are dropped);
                        at most 35 days ago, not in the future. Or `latest`: the latest
                        restorable time (about 5 minutes ago).

Options:
  --region R            AWS region [default: $AWS_REGION, then $AWS_DEFAULT_REGION]
  --config-env ENV      samconfig.toml environment of the deploy (dev, prod)
                        [default: the one whose stack_name is --stack]
  --target-table NAME   the new table [default: <source table>-restored-<UTC now, YYYYMMDDTHHMMSSZ>]
  --source-table NAME   restore from this table instead of the stack's StackTableName output
                        (required when the stack already runs on a restored table)
  --no-deploy           restore and configure the table, do not re-point the stack
                        (restore drills, copying single items back)
  --yes                 do not ask for confirmation
  --dry-run             print the plan with the exact commands and run nothing
  -h, --help            this help

The deploy uses the build in .aws-sam/ (run `sam build --config-env ENV` on the commit
that is deployed first) and repeats samconfig.toml's parameter_overrides for ENV in
full: an override list on the command line replaces samconfig's instead of adding to it.

Exit codes: 0 done (or planned), 1 a step failed, 2 usage error.
EOF
}

die_usage() {
  printf 'restore-table.sh: %s\n\n' "$1" >&2
  usage >&2
  exit 2
}

die() {
  printf 'restore-table.sh: %s\n' "$1" >&2
  exit 1
}

# A command as it would be typed in a shell (for the plan, to copy and paste).
quote() {
  local arg=$1
  if [[ $arg =~ ^[A-Za-z0-9_./:=,@+%-]+$ ]]; then
    printf '%s' "$arg"
  elif [[ $arg != *"'"* ]]; then
    printf "'%s'" "$arg"
  elif [[ ! $arg =~ [\"\$\`\\!] ]]; then
    printf '"%s"' "$arg"
  else
    printf "'%s'" "${arg//\'/\'\\\'\'}"
  fi
}

render() {
  local out="" arg
  for arg in "$@"; do
    out+="${out:+ }$(quote "$arg")"
  done
  printf '%s' "$out"
}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
samconfig="$root/samconfig.toml"

stack=""
time_arg=""
region="${AWS_REGION:-${AWS_DEFAULT_REGION:-}}"
config_env=""
target=""
source_table=""
deploy=true
assume_yes=false
dry_run=false

need_value() {
  [[ $# -ge 2 && -n $2 && $2 != --* ]] || die_usage "$1 needs a value"
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --*=*)
      flag=${1%%=*}
      value=${1#*=}
      shift
      set -- "$flag" "$value" "$@"
      continue
      ;;
    *) ;;
  esac
  case $1 in
    --stack) need_value "$@"; stack=$2; shift 2 ;;
    --time) need_value "$@"; time_arg=$2; shift 2 ;;
    --region) need_value "$@"; region=$2; shift 2 ;;
    --config-env) need_value "$@"; config_env=$2; shift 2 ;;
    --target-table) need_value "$@"; target=$2; shift 2 ;;
    --source-table) need_value "$@"; source_table=$2; shift 2 ;;
    --no-deploy) deploy=false; shift ;;
    --yes) assume_yes=true; shift ;;
    --dry-run) dry_run=true; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die_usage "unknown argument: $1" ;;
  esac
done

[[ -n $stack ]] || die_usage "--stack is required"
[[ -n $time_arg ]] || die_usage "--time is required"
[[ -n $region ]] || die_usage "--region is required when AWS_REGION is not set"
[[ $stack =~ ^[A-Za-z][A-Za-z0-9-]{0,127}$ ]] || die_usage "--stack $stack: not a stack name"
[[ $region =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]] || die_usage "--region $region: not a region"
table_name_re='^[A-Za-z0-9_.-]{3,255}$'
if [[ -n $source_table && ! $source_table =~ $table_name_re ]]; then
  die_usage "--source-table $source_table: not a DynamoDB table name"
fi
if [[ -n $target && ! $target =~ $table_name_re ]]; then
  die_usage "--target-table $target: not a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)"
fi
if [[ -n $source_table && $target == "$source_table" ]]; then
  die_usage "--target-table must differ from the source table"
fi
command -v python3 >/dev/null || die "python3 is required (time and samconfig.toml parsing)"

# ---- The point in time: ISO 8601 with a zone, in the past, within PITR's 35 days ----
restore_time=""
if [[ $time_arg != latest ]]; then
  status=0
  restore_time=$(python3 - "$time_arg" <<'PY'
import datetime as dt
import re
import sys

text = sys.argv[1]
match = re.fullmatch(
    r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d{1,9})?(Z|[+-]\d{2}:\d{2})", text
)
if not match:
    sys.exit(10)
zone = "+00:00" if match[3] == "Z" else match[3]
try:
    when = dt.datetime.fromisoformat(f"{match[1]}T{match[2]}{zone}")
except ValueError:
    sys.exit(10)
now = dt.datetime.now(dt.timezone.utc)
if when > now:
    sys.exit(11)
if when < now - dt.timedelta(days=35):
    sys.exit(12)
print(when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
PY
) || status=$?
  case $status in
    0) ;;
    10) die_usage "--time $time_arg: not an ISO 8601 date-time with a zone (e.g. 2026-11-26T14:50:00Z), nor \`latest\`" ;;
    11) die_usage "--time $time_arg: in the future" ;;
    12) die_usage "--time $time_arg: more than 35 days ago, beyond point-in-time recovery (restore from AWS Backup instead: docs/operations.md)" ;;
    *) die "could not check --time (python3 exited with $status)" ;;
  esac
fi
restore_label=${restore_time:-"the latest restorable time"}

# ---- samconfig.toml: the environment, its stack and its parameter overrides ----
[[ -f $samconfig ]] || die "$samconfig not found"
samconfig_out=$(python3 - "$samconfig" "$config_env" "$stack" <<'PY'
import json
import re
import sys

path, wanted_env, stack = sys.argv[1:4]


def fail(message):
    print(f"restore-table.sh: {message}", file=sys.stderr)
    sys.exit(2)


def load(path):
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11: the subset samconfig.toml uses
        config, section = {}, None
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                header = re.fullmatch(r"\[([A-Za-z0-9_.-]+)\]", line)
                if header:
                    section = config
                    for part in header[1].split("."):
                        section = section.setdefault(part, {})
                    continue
                pair = re.fullmatch(r"([A-Za-z0-9_-]+)\s*=\s*(.+)", line)
                if pair and section is not None:
                    value = pair[2]
                    if value.startswith('"'):
                        value = json.loads(value)
                    section[pair[1]] = value
        return config
    with open(path, "rb") as f:
        return tomllib.load(f)


config = load(path)


def deploy_parameters(env):
    section = config.get(env, {})
    merged = dict(section.get("global", {}).get("parameters", {}))
    merged.update(section.get("deploy", {}).get("parameters", {}))
    return merged


envs = [env for env, section in config.items() if isinstance(section, dict) and "deploy" in section]
if wanted_env:
    if wanted_env not in envs:
        fail(f"--config-env {wanted_env}: samconfig.toml has no [{wanted_env}.deploy.parameters] (it has: {', '.join(envs)})")
    env = wanted_env
else:
    matches = [env for env in envs if deploy_parameters(env).get("stack_name") == stack]
    if len(matches) != 1:
        fail(f"no single samconfig.toml environment deploys stack {stack}; pass --config-env ({', '.join(envs)})")
    env = matches[0]
parameters = deploy_parameters(env)
if parameters.get("stack_name") != stack:
    fail(f"--config-env {env} deploys stack {parameters.get('stack_name')!r}, not {stack!r}")
overrides = parameters.get("parameter_overrides", "")
if isinstance(overrides, list):
    overrides = " ".join(overrides)
if "\n" in overrides:
    fail("samconfig.toml parameter_overrides spans lines; not supported")
if re.search(r"(^|\s)RestoredTableName=", overrides):
    fail(f"samconfig.toml [{env}] already sets RestoredTableName; remove it from parameter_overrides first")
stage = re.search(r"(?:^|\s)Stage=[\"']?([A-Za-z0-9-]+)", overrides)
print(env)
print(stage[1] if stage else env)
print(overrides)
PY
) || { printf '\n' >&2; usage >&2; exit 2; }
{
  IFS= read -r config_env
  IFS= read -r stage
  IFS= read -r overrides || true
} <<<"$samconfig_out"

# ---- Step 1: the table to restore from ----
describe_cmd=(aws cloudformation describe-stacks --region "$region" --stack-name "$stack"
  --query "Stacks[0].Outputs[?OutputKey=='StackTableName' || OutputKey=='TableName'].[OutputKey,OutputValue]"
  --output text)

if $dry_run; then
  echo "Plan (dry run: nothing is executed, no AWS call is made)"
else
  echo "Plan"
fi
echo "  1. Read the stack's table names (outputs StackTableName and TableName):"
echo "       $(render "${describe_cmd[@]}")"

current_table=""
if $dry_run; then
  source=${source_table:-<StackTableName>}
else
  command -v aws >/dev/null || die "the AWS CLI (aws) is not on PATH"
  if $deploy; then
    command -v sam >/dev/null || die "the SAM CLI (sam) is not on PATH"
    [[ -f $root/.aws-sam/build/template.yaml ]] ||
      die "no build in $root/.aws-sam: check out the commit that is deployed and run \`sam build --config-env $config_env\` first (or pass --no-deploy)"
  fi
  outputs=$("${describe_cmd[@]}") || die "could not read the outputs of stack $stack in $region"
  stack_table=$(awk -F'\t' '$1 == "StackTableName" { print $2 }' <<<"$outputs")
  current_table=$(awk -F'\t' '$1 == "TableName" { print $2 }' <<<"$outputs")
  [[ -n $stack_table ]] || die "stack $stack has no StackTableName output (deployed from an older template?)"
  current_table=${current_table:-$stack_table}
  echo "       -> StackTableName: $stack_table; the functions use: $current_table"
  if [[ -n $source_table ]]; then
    source=$source_table
  elif [[ $current_table != "$stack_table" ]]; then
    die_usage "stack $stack already runs on restored table $current_table: pass --source-table $current_table (restore what the functions use) or --source-table $stack_table (start again from the stack's own table)"
  else
    source=$stack_table
  fi
fi

target=${target:-$source-restored-$(date -u +%Y%m%dT%H%M%SZ)}
[[ $target != "$source" ]] || die_usage "--target-table must differ from the source table"

# What `sam deploy` gets: samconfig's overrides, repeated, plus the re-point. When the
# stack already ran on a restored table, "going back" means back to that one.
previous=""
if [[ -n $current_table && $current_table != "${stack_table:-}" ]]; then
  previous=$current_table
fi
deploy_overrides="${overrides:+$overrides }RestoredTableName=\"$target\""
back_overrides="${overrides:+$overrides }RestoredTableName=\"$previous\""
back_label=${previous:-"the stack's own table"}

restore_cmd=(aws dynamodb restore-table-to-point-in-time --region "$region"
  --source-table-name "$source" --target-table-name "$target")
if [[ -n $restore_time ]]; then
  restore_cmd+=(--restore-date-time "$restore_time")
else
  restore_cmd+=(--use-latest-restorable-time)
fi
restore_cmd+=(--billing-mode-override PAY_PER_REQUEST --query TableDescription.TableArn --output text)
wait_cmd=(aws dynamodb wait table-exists --region "$region" --table-name "$target")
pitr_cmd=(aws dynamodb update-continuous-backups --region "$region" --table-name "$target"
  --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true)
ttl_cmd=(aws dynamodb update-time-to-live --region "$region" --table-name "$target"
  --time-to-live-specification "Enabled=true,AttributeName=expires_at")
protect_cmd=(aws dynamodb update-table --region "$region" --table-name "$target" --deletion-protection-enabled)
stream_cmd=(aws dynamodb update-table --region "$region" --table-name "$target"
  --stream-specification "StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES")
table_arn="<TableArn printed by step 2>"
tag_cmd_for() {
  tag_cmd=(aws dynamodb tag-resource --region "$region" --resource-arn "$1" --tags
    "Key=project,Value=dossier" "Key=stage,Value=$stage" "Key=restored-from,Value=$source"
    "Key=restore-point,Value=${restore_time:-latest}")
}
tag_cmd_for "$table_arn"
deploy_cmd=(sam deploy --config-env "$config_env" --region "$region" --parameter-overrides "$deploy_overrides")
back_cmd=(sam deploy --config-env "$config_env" --region "$region" --parameter-overrides "$back_overrides")
outputs_cmd=(aws cloudformation describe-stacks --region "$region" --stack-name "$stack"
  --query "Stacks[0].Outputs[?OutputKey=='TableName'].OutputValue" --output text)

cat <<EOF
  2. Restore $source as it was at $restore_label into the new table $target:
       $(render "${restore_cmd[@]}")
  3. Wait until $target is ACTIVE (minutes for a small table, hours for a large one):
       $(render "${wait_cmd[@]}")
  4. Point-in-time recovery on (a restored table does not inherit it):
       $(render "${pitr_cmd[@]}")
  5. TTL on expires_at (idempotency keys expire by it):
       $(render "${ttl_cmd[@]}")
  6. Deletion protection, then wait for ACTIVE:
       $(render "${protect_cmd[@]}")
       $(render "${wait_cmd[@]}")
  7. Stream NEW_AND_OLD_IMAGES (needed to add a replica region to this table later), then wait:
       $(render "${stream_cmd[@]}")
       $(render "${wait_cmd[@]}")
  8. Tags:
       $(render "${tag_cmd[@]}")
EOF
if $deploy; then
  cat <<EOF
  9. Re-point every function at $target: deploy the build in .aws-sam/ with samconfig's
     [$config_env] overrides repeated in full plus RestoredTableName (an override list on the
     command line replaces samconfig's, it does not add to it):
       cd $(quote "$root") && $(render "${deploy_cmd[@]}")
EOF
  if [[ $stage == prod ]]; then
    cat <<'EOF'
     WARNING (prod): the functions' IAM policies grant either the stack's table or the
     restored one, and prod shifts traffic 10% for 5 minutes: the old versions lose access
     to their table during the shift and the 5xx alarm may roll the deploy back. Read
     docs/operations.md, "Corrupted table", before running this step.
EOF
  fi
else
  cat <<EOF
  9. (--no-deploy) The stack is not re-pointed. To re-point it later:
       cd $(quote "$root") && $(render "${deploy_cmd[@]}")
EOF
fi
cat <<EOF
 10. Verify, and know the way back:
       $(render "${outputs_cmd[@]}")    # prints $target once re-pointed
       dossier-admin verify-chain --table $(quote "$target") --agency AGENCY --all    # for every agency
     Writes made to $source after $restore_label are not in $target: reconcile them
     (docs/operations.md, "After a table restore").
     Back to $back_label (only if nothing worth keeping was written to $target):
       cd $(quote "$root") && $(render "${back_cmd[@]}")
     Then drop $target:
       aws dynamodb update-table --region $region --table-name $(quote "$target") --no-deletion-protection-enabled
       aws dynamodb delete-table --region $region --table-name $(quote "$target")
EOF

if $dry_run; then
  echo "Dry run: nothing was executed."
  exit 0
fi

# ---- Execution ----
last_step=8
if $deploy; then
  last_step=9
fi
if ! $assume_yes; then
  [[ -t 0 ]] || die "stdin is not a terminal: pass --yes to run without confirmation"
  read -r -p "Type the stack name ($stack) to run steps 2-$last_step: " answer
  [[ $answer == "$stack" ]] || die "not confirmed; nothing was changed"
fi

step() {
  printf '\n==> %s\n' "$1"
}

# `aws dynamodb wait table-exists` gives up after about 8 minutes; a restore can take hours.
wait_active() {
  local rounds=0 status
  until "${wait_cmd[@]}"; do
    status=$(aws dynamodb describe-table --region "$region" --table-name "$target" \
      --query Table.TableStatus --output text) || die "cannot describe $target"
    rounds=$((rounds + 1))
    if [[ $status != CREATING && $status != UPDATING ]] || ((rounds >= 72)); then
      die "$target is $status after $rounds waits; finish the remaining steps by hand (see the plan above)"
    fi
    echo "    $target is still $status; waiting again"
  done
}

step "2. Restoring $source at $restore_label into $target"
table_arn=$("${restore_cmd[@]}") || die "the restore was refused (nothing was created)"
echo "    $table_arn"
tag_cmd_for "$table_arn"

step "3. Waiting for $target to become ACTIVE"
wait_active

step "4. Point-in-time recovery"
# Right after a restore DynamoDB may answer ContinuousBackupsUnavailableException for a while.
for attempt in $(seq 1 20); do
  if errors=$("${pitr_cmd[@]}" 2>&1 >/dev/null); then
    break
  fi
  if [[ $errors != *ContinuousBackupsUnavailable* ]] || ((attempt == 20)); then
    printf '%s\n' "$errors" >&2
    die "could not turn point-in-time recovery on for $target"
  fi
  echo "    backups not available yet on $target; retrying in 30 s"
  sleep 30
done

step "5. TTL on expires_at"
"${ttl_cmd[@]}" >/dev/null

step "6. Deletion protection"
"${protect_cmd[@]}" >/dev/null
wait_active

step "7. Stream"
"${stream_cmd[@]}" >/dev/null
wait_active

step "8. Tags"
"${tag_cmd[@]}"

if $deploy; then
  step "9. Re-pointing stack $stack at $target (commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown))"
  (cd "$root" && "${deploy_cmd[@]}") || die "sam deploy failed: the stack still uses $current_table; $target is ready (retry step 9)"
  now_using=$("${outputs_cmd[@]}") || die "cannot read the stack's TableName output"
  [[ $now_using == "$target" ]] || die "the stack reports TableName $now_using, not $target"
  echo "    the functions now use $target"
fi

step "10. Done. Verify with dossier-admin verify-chain and reconcile (see the plan above)."
