#!/usr/bin/env bash
# Screenshots the live dashboard of a real server into docs/dashboard.png.
# A fresh server on a temp SQLite file; clients, an active campaign, a Search Console export and
# finished tasks (lead qualification, a proposal, a KPI report) created through the API; then a
# headless Chromium signs in through the page's own form, more tasks run while it watches (so
# the live feed shows them arrive), and the page is captured.
# Usage: scripts/dashboard-example.sh [BIN]
# Needs: curl, python3, chromium and chromium-driver (apt), selenium in a venv:
#   python3 -m venv target/venv-shot && target/venv-shot/bin/pip install selenium
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/seo-architects}
PY=${PY:-target/venv-shot/bin/python}
PORT=18392
export WS_METRICS_INTERVAL=2
. scripts/example-server.sh
client=$(post /api/clients '{"company_name":"Nordic Garden Supply","website":"https://nordic-garden.example","industry":"retail","country":"SE","annual_revenue":12000000,"employee_count":85}' | id_of)
post /api/clients '{"company_name":"ООО «Ромашка»","industry":"retail","country":"RU"}' >/dev/null
post /api/clients '{"company_name":"Helios Dental Clinics","industry":"healthcare","country":"DE"}' >/dev/null
post /api/campaigns "{\"client_id\":\"$client\",\"name\":\"Organic growth 2027\",\"campaign_type\":\"seo_audit\",\"domain\":\"nordic-garden.example\",\"budget\":24000}" >/dev/null
campaign=$(post /api/campaigns "{\"client_id\":\"$client\",\"name\":\"Spring content push\",\"campaign_type\":\"content\",\"domain\":\"nordic-garden.example\",\"budget\":48000,\"keywords\":[\"garden tools\",\"pruning shears\"]}" | id_of)
python3 - "$work/Dates.csv" <<'PY'
import math, sys, datetime
start = datetime.date(2026, 9, 3)
rows = ["Date,Clicks,Impressions,CTR,Position"]
for d in range(56):
    day = start + datetime.timedelta(days=d)
    clicks = round(120 + 30 * math.sin(d / 3.5) + (25 if d >= 28 else 0))
    imps = round(4200 + 600 * math.sin(d / 5) + (300 if d >= 28 else 0))
    rows.append(f"{day},{clicks},{imps},{clicks / imps * 100:.2f}%,{11.5 - d * 0.04:.1f}")
open(sys.argv[1], "w").write("\n".join(rows) + "\n")
PY
curl -sf "$base/api/clients/$client/datasets?filename=Dates.csv" "${auth[@]}" -H 'content-type: text/csv' \
    --data-binary "@$work/Dates.csv" >/dev/null
post "/api/agents/lead_qualification/tasks?wait=30" '{"input":{"company_name":"Helios Dental Clinics","industry":"healthcare","employee_count":40}}' >/dev/null
post "/api/agents/proposal_generation/tasks?wait=30" "{\"input\":{\"client_id\":\"$client\",\"company_name\":\"Nordic Garden Supply\",\"industry\":\"retail\",\"annual_revenue\":12000000}}" >/dev/null
post "/api/agents/reporting/tasks?wait=30" "{\"input\":{\"client_id\":\"$client\",\"period_from\":\"2026-10-01\",\"period_to\":\"2026-10-28\"}}" >/dev/null
"$PY" - "$base" "$PWD/docs/dashboard.png" "$token" "$client" "$campaign" <<'PY'
import json, sys, time, urllib.error, urllib.request
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

base, out, token, client, campaign = sys.argv[1:6]

def post(path, body=None):
    req = urllib.request.Request(base + path, data=json.dumps(body or {}).encode(), method="POST",
                                 headers={"authorization": "Bearer " + token, "content-type": "application/json"})
    try:
        return json.load(urllib.request.urlopen(req))
    except urllib.error.HTTPError as e:
        sys.exit(f"POST {path}: {e.code} {e.read().decode()}")

opts = webdriver.ChromeOptions()
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,2300"):
    opts.add_argument(a)
opts.binary_location = "/usr/bin/chromium"
driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path="/usr/bin/chromedriver"), options=opts)
try:
    driver.get(base + "/dashboard")
    wait = WebDriverWait(driver, 20)
    wait.until(lambda d: d.find_element(By.ID, "username").is_displayed())
    driver.find_element(By.ID, "username").send_keys("admin")
    driver.find_element(By.ID, "password").send_keys("example-admin-pw")
    driver.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()
    wait.until(lambda d: d.find_element(By.ID, "dash-view").is_displayed())
    wait.until(lambda d: "live" in d.find_element(By.ID, "conn").text)
    # Events while the page watches: a campaign is called off, tasks run. (Starting one would
    # audit its domain, which this offline machine cannot resolve.)
    post(f"/api/campaigns/{campaign}/cancel")
    post("/api/agents/lead_qualification/tasks?wait=30",
         {"input": {"company_name": "Nordic Garden Supply", "industry": "E-commerce", "contact_role": "CEO",
                    "company_size": "50-500", "budget_range": "5m+", "timeline": "ASAP",
                    "pain_points": ["organic traffic fell 30%", "competitors outrank us"], "goals": ["growth"]}})
    post("/api/agents/reporting/tasks?wait=30",
         {"input": {"client_id": client, "period_from": "2026-10-01", "period_to": "2026-10-28"}})
    time.sleep(6)  # the lead's workflow runs on; two metrics updates fill the sparklines
    driver.save_screenshot(out)
finally:
    driver.quit()
print("docs/dashboard.png written")
PY
