#!/usr/bin/env bash
# Renders an example KPI report through the running stack and screenshots its HTML page.
# A fresh server on a temp SQLite file; a client; a Search Console export ZIP (56 days of
# dates; queries and pages in compare mode) generated here; a kpi_report task; the HTML and PDF
# documents; a headless-Chromium screenshot of the HTML into docs/report.png.
# Usage: scripts/report-example.sh [BIN]   (needs curl, python3, chromium, pdfinfo)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/seo-architects}
PORT=18391
. scripts/example-server.sh
client=$(post /api/clients '{"company_name":"ООО «Ромашка»","website":"https://romashka.example","industry":"retail"}' | id_of)
python3 - "$work/gsc.zip" <<'PY'
import math, sys, zipfile, datetime
z = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED)
start = datetime.date(2026, 9, 3)
rows = ["Date,Clicks,Impressions,CTR,Position"]
for d in range(56):
    day = start + datetime.timedelta(days=d)
    clicks = round(120 + 30 * math.sin(d / 3.5) + (25 if d >= 28 else 0) + (70 if d == 47 else 0))
    imps = round(4200 + 600 * math.sin(d / 5) + (300 if d >= 28 else 0))
    rows.append(f"{day},{clicks},{imps},{clicks / imps * 100:.2f}%,{11.5 - d * 0.04:.1f}")
z.writestr("Dates.csv", "\n".join(rows) + "\n")
head = "Last 28 days Clicks,Previous 28 days Clicks,Last 28 days Impressions,Previous 28 days Impressions,Last 28 days CTR,Previous 28 days CTR,Last 28 days Position,Previous 28 days Position"
queries = ["купить садовый инструмент", "секатор купить", "газонокосилка цена", "лопата штыковая", "грабли веерные", "садовая тачка", "шланг поливочный 30 м", "семена газона", "триммер электрический", "опрыскиватель садовый", "садовые ножницы", "перчатки садовые"]
q = ["Top queries," + head]
for i, name in enumerate(queries):
    c, p = 400 - i * 30 + (i % 3) * 40, 380 - i * 25
    q.append(f"{name},{c},{p},{c * 20},{p * 21},{c / (c * 20) * 100:.1f}%,{p / (p * 21) * 100:.1f}%,{1.5 + i * 4.2:.1f},{1.8 + i * 4.5:.1f}")
z.writestr("Queries.csv", "\n".join(q) + "\n")
pages = ["Top pages," + head]
for i in range(8):
    c, p = 600 - i * 60 + (i % 2) * 90, 560 - i * 50
    pages.append(f"https://romashka.example/catalog/{i},{c},{p},{c * 18},{p * 19},5.5%,5.3%,{3 + i},{3.4 + i}")
z.writestr("Pages.csv", "\n".join(pages) + "\n")
z.close()
PY
curl -sf "$base/api/clients/$client/datasets?filename=gsc.zip" "${auth[@]}" -H 'content-type: application/zip' \
    --data-binary "@$work/gsc.zip" >/dev/null
task=$(curl -sf "$base/api/agents/reporting/tasks?wait=30" "${auth[@]}" -H 'content-type: application/json' \
    -d "{\"input\":{\"client_id\":\"$client\",\"period_from\":\"2026-10-01\",\"period_to\":\"2026-10-28\"}}" \
    | python3 -c 'import sys,json;t=json.load(sys.stdin);assert t["status"]=="completed",t;print(t["id"])')
curl -sf "$base/api/tasks/$task/report?format=html" "${auth[@]}" -o "$work/report.html"
curl -sf "$base/api/tasks/$task/report?format=pdf" "${auth[@]}" -o "$work/report.pdf"
pdfinfo "$work/report.pdf" | grep -E '^(Title|Pages)'
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,2600 \
    --screenshot="$PWD/docs/report.png" "file://$work/report.html" 2>/dev/null
echo "docs/report.png written"
