#!/usr/bin/env bash
# The README's walkthrough, run for real against a server started by `make run`: one visit's
# tubes from the collection site to a freezer slot, then the auditor's check of their trail.
#
#   docs/walkthrough.sh                       # http://127.0.0.1:8000
#   PORT=8123 docs/walkthrough.sh             # another port
#   BASE=https://lims.example.org docs/walkthrough.sh
#
# Needs bash, curl and python3 (for reading JSON; jq is not assumed). Each request is printed;
# a refused one stops the script with its problem+json answer. A fresh participant ID each run,
# so the script can run again on the same database.
set -euo pipefail

PORT="${PORT:-8000}"
BASE="${BASE:-http://127.0.0.1:$PORT}"
API="$BASE/api/v1"
PASSWORD="${LIMS_DEMO_PASSWORD:-demo-lims-2026}"
# FedEx Express 12-digit tracking number whose last digit is the check digit (weights 1,3,7
# from the right, sum mod 11, mod 10): 1·1+0·3+9·7+8·1+7·3+6·7+5·1+4·3+3·7+2·1+1·3 = 178 → 2.
TRACKING_NUMBER="${TRACKING_NUMBER:-123456789012}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

step() { printf '\n== %s\n' "$*" >&2; }

# jget EXPR: evaluates a Python expression over the JSON document `d` read from stdin.
jget() {
    python3 -c '
import json, sys
d = json.load(sys.stdin)
v = eval(sys.argv[1])
print(v if isinstance(v, str) else json.dumps(v))' "$@"
}

# call TOKEN METHOD PATH [JSON]: prints the answer's body; any answer but 2xx stops the script.
# Headers are array elements, so a space in a value never splits it into two arguments.
call() {
    local token=$1 method=$2 path=$3 body=${4:-}
    local args=(-sS -X "$method" -o "$WORK/answer" -w '%{http_code}')
    if [[ -n $token ]]; then
        args+=(-H "Authorization: Token $token")
    fi
    if [[ -n $body ]]; then
        args+=(-H "Content-Type: application/json" --data "$body")
    fi
    local shown=$body
    if [[ $path == auth/token ]]; then
        shown='{"username": …, "password": …}'
    fi
    echo "$method /api/v1/$path $shown" >&2
    local status
    status=$(curl "${args[@]}" "$API/$path")
    if [[ $status != 2?? ]]; then
        echo "FAILED: $method /api/v1/$path answered $status:" >&2
        cat "$WORK/answer" >&2
        echo >&2
        exit 1
    fi
    cat "$WORK/answer"
}

# token USER: signs in and prints the API token (the password is JSON-encoded, never spliced).
token() {
    local body
    body=$(python3 -c '
import json, sys
print(json.dumps({"username": sys.argv[1], "password": sys.argv[2]}))' "$1" "$PASSWORD")
    call "" POST auth/token "$body" | jget 'd["token"]'
}

# ago HOURS: an ISO 8601 UTC time that many hours before now.
ago() {
    python3 -c '
import datetime, sys
now = datetime.datetime.now(datetime.timezone.utc)
print((now - datetime.timedelta(hours=float(sys.argv[1]))).isoformat(timespec="seconds"))' "$1"
}

step "Sign in: a phlebotomist at SITE-NORTH, the biobank technician, the auditor"
PHLEB=$(token phleb-north)
TECH=$(token tech)
AUDITOR=$(token auditor)

step "As phleb-north: register a participant and order an SST and a urine cup"
PARTICIPANT=$(python3 -c 'import random; print(f"P{random.randrange(10**9):09d}")')
call "$PHLEB" POST participants "{\"participant_id\":\"$PARTICIPANT\",\"site\":\"SITE-NORTH\"}" >/dev/null
ORDER_JSON=$(call "$PHLEB" POST orders "{\"participant\":\"$PARTICIPANT\",\"site\":\"SITE-NORTH\",
  \"tubes\":[\"1SST8\",\"1UR10\"],\"safety\":{\"donated_blood_past_week\":false,
  \"transfusion_past_6_months\":false,\"fainting_history\":false}}")
ORDER=$(jget 'd["code"]' <<<"$ORDER_JSON")
SST=$(jget '[s["id"] for s in d["specimens"] if s["type"] == "1SST8"][0]' <<<"$ORDER_JSON")
URINE=$(jget '[s["id"] for s in d["specimens"] if s["type"] == "1UR10"][0]' <<<"$ORDER_JSON")
echo "order $ORDER: SST $SST, urine $URINE" >&2

step "Collect two hours ago, spin the SST an hour later (within 30 min to 4 h), finalize"
call "$PHLEB" POST "orders/$ORDER/collect" "{\"collected_at\":\"$(ago 2)\"}" >/dev/null
call "$PHLEB" POST "orders/$ORDER/process" "{\"processed_at\":\"$(ago 1)\"}" >/dev/null
call "$PHLEB" POST "orders/$ORDER/finalize" >/dev/null

step "Ship both tubes to the biobank by FedEx, with the manifest"
SHIPMENT=$(call "$PHLEB" POST shipments \
    '{"origin":"SITE-NORTH","destination":"BIOBANK","condition":"refrigerated"}' | jget 'd["code"]')
for tube in "$SST" "$URINE"; do
    call "$PHLEB" POST "shipments/$SHIPMENT/items" "{\"id\":\"$tube\"}" >/dev/null
done
call "$PHLEB" POST "shipments/$SHIPMENT/dispatch" \
    "{\"courier\":\"fedex\",\"tracking_number\":\"$TRACKING_NUMBER\"}" >/dev/null
call "$PHLEB" GET "shipments/$SHIPMENT/manifest.pdf" >"$WORK/manifest.pdf"
call "$PHLEB" GET "shipments/$SHIPMENT/manifest.csv" >"$WORK/manifest.csv"
[[ $(head -c 4 "$WORK/manifest.pdf") == "%PDF" ]] || { echo "manifest.pdf is not a PDF" >&2; exit 1; }
grep -q "$SST" "$WORK/manifest.csv" || { echo "manifest.csv does not list $SST" >&2; exit 1; }

step "As tech at the biobank: arrival, receipt of each tube, reconciliation, close"
call "$TECH" POST "shipments/$SHIPMENT/arrive" '{"condition_ok":true}' >/dev/null
for tube in "$SST" "$URINE"; do
    call "$TECH" POST "shipments/$SHIPMENT/receive" "{\"id\":\"$tube\"}" >/dev/null
done
RECONCILIATION=$(call "$TECH" GET "shipments/$SHIPMENT/reconciliation")
jget 'sorted(d["received"]) == sorted(sys.argv[2:]) and not d["missing"] or sys.exit("reconciliation: " + json.dumps(d))' \
    "$SST" "$URINE" <<<"$RECONCILIATION" >/dev/null
call "$TECH" POST "shipments/$SHIPMENT/close" >/dev/null

step "As tech: aliquot the serum into two cryovials, store one in the first free -80 °C slot"
ALIQUOT=$(call "$TECH" POST "specimens/$SST/aliquot" '{"count":2,"type":"SERUM","volume_ul":500}' \
    | jget 'd[0]["id"]')
SLOT=$(call "$TECH" GET "storage/free?temperature_class=ultra_cold&count=1" | jget 'd["slots"][0]')
BOX=$(jget 'd["box"]' <<<"$SLOT")
POSITION=$(jget 'd["position"]' <<<"$SLOT")
call "$TECH" POST storage/place "{\"id\":\"$ALIQUOT\",\"box\":\"$BOX\",\"position\":\"$POSITION\"}" >/dev/null

step "As auditor: the custody trails and the verification of every chain"
trail() { call "$AUDITOR" GET "specimens/$1/custody" | jget '" ".join(e["kind"] for e in d)'; }
SST_TRAIL=$(trail "$SST")
ALIQUOT_TRAIL=$(trail "$ALIQUOT")
VERIFY=$(call "$AUDITOR" GET audit/verify)
echo "$SST: $SST_TRAIL" >&2
echo "$ALIQUOT: $ALIQUOT_TRAIL" >&2
[[ " $SST_TRAIL " == *" received "* ]] || { echo "no receipt in the trail of $SST" >&2; exit 1; }
[[ " $ALIQUOT_TRAIL " == *" stored "* ]] || { echo "no storage in the trail of $ALIQUOT" >&2; exit 1; }
[[ $(jget 'd["ok"]' <<<"$VERIFY") == "true" ]] || { echo "audit/verify: $VERIFY" >&2; exit 1; }

echo "OK: $SST received at BIOBANK (shipment $SHIPMENT); aliquot $ALIQUOT stored in $BOX $POSITION"
echo "OK: custody chains verified: $(jget '"%s specimens, %s events" % (d["specimens"], d["events"])' <<<"$VERIFY")"
