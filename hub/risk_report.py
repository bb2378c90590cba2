"""A retraining run's report as one self-contained HTML page (inline SVG charts, no script, no external file), for
the back office to mount (`render_html(report)`; the admin API serves it at `/v1/admin/risk/runs/{n}?format=html`).

The report is the JSON `edgepos risk retrain` writes (models/loop.py): metrics of challenger and champion on the
comparison window, feature importance (share of gain) and input drift (PSI per feature).
"""

from __future__ import annotations

from html import escape
from typing import Any

BAR_W, ROW_H, LABEL_W = 360, 18, 230


def bar_chart(title: str, rows: list[tuple[str, float]], *, limit: float | None = None, mark: float | None = None,
              fmt: str = "{:.3f}") -> str:
    """Horizontal bars as inline SVG; `mark` draws a dashed reference line (e.g. PSI 0.25)."""
    top = max([v for _k, v in rows] + [mark or 0.0, limit or 0.0, 1e-9])
    height = ROW_H * len(rows) + 30
    width = LABEL_W + BAR_W + 70
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for i, (name, value) in enumerate(rows):
        y = 20 + i * ROW_H
        w = max(0.0, value) / top * BAR_W
        parts.append(f'<text x="{LABEL_W - 6}" y="{y + 13}" text-anchor="end" font-size="12">{escape(name)}</text>'
                     f'<rect x="{LABEL_W}" y="{y + 2}" width="{w:.1f}" height="{ROW_H - 5}" fill="#3b6ea8"/>'
                     f'<text x="{LABEL_W + w + 4:.1f}" y="{y + 13}" font-size="11">{escape(fmt.format(value))}</text>')
    if mark is not None:
        x = LABEL_W + mark / top * BAR_W
        parts.append(f'<line x1="{x:.1f}" y1="14" x2="{x:.1f}" y2="{height - 6}" stroke="#c0392b" '
                     'stroke-dasharray="4 3"/>')
    parts.append("</svg>")
    return "".join(parts)


def _metric_rows(metrics: dict[str, Any]) -> str:
    out = []
    for name in ("challenger", "champion"):
        m = metrics.get(name)
        if not m:
            out.append(f"<tr><th>{name}</th><td colspan='6'>none</td></tr>")
            continue
        till = m.get("till") or {}
        cells = [m.get("sales"), m.get("frauds"), m.get("roc_auc"), m.get("recall_at_budget"), m.get("false_decline"),
                 f"{till.get('fraud_stopped')} / {till.get('legit_declined')}"]
        out.append(f"<tr><th>{name}</th>" + "".join(f"<td>{escape(str(c))}</td>" for c in cells) + "</tr>")
    return "".join(out)


def render_html(report: dict[str, Any]) -> str:
    """The whole page for one run."""
    promoted = bool(report.get("promoted"))
    importance = [(str(k), float(v)) for k, v in report.get("feature_importance", [])][:15]
    drift = [(str(k), float(v)) for k, v in report.get("input_drift_psi", [])][:15]
    auc = [(name, float(m["roc_auc"])) for name, m in (report.get("metrics") or {}).items()
           if m and m.get("roc_auc") is not None]
    windows = report.get("windows") or {}
    return "".join([
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Risk model run {escape(str(report.get('version')))}</title>",
        "<style>body{font:14px system-ui,sans-serif;margin:1.5em;max-width:60em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{text-align:left}"
        ".ok{color:#1e7b34}.no{color:#a4281c}</style></head><body>",
        f"<h1>Risk model run {escape(str(report.get('version')))}</h1>",
        f"<p class='{'ok' if promoted else 'no'}'><strong>{'Promoted' if promoted else 'Not promoted'}</strong>: "
        f"{escape(str(report.get('reason')))}</p>",
        f"<p>As of {escape(str(report.get('as_of')))}; champion {escape(str(report.get('champion')))}; "
        f"{escape(str(report.get('labels_used')))} labels known by then. Comparison window "
        f"{escape(' .. '.join(map(str, windows.get('evaluation') or [])))}.</p>",
        "<h2>Metrics</h2><table><tr><th>model</th><th>sales</th><th>frauds</th><th>ROC AUC</th>"
        "<th>recall at false-decline budget</th><th>false-decline rate</th><th>retail: fraud stopped / legit "
        "declined</th></tr>", _metric_rows(report.get("metrics") or {}), "</table>",
        bar_chart("ROC AUC", auc) if auc else "",
        "<h2>Feature importance (share of gain)</h2>", bar_chart("Feature importance", importance),
        "<h2>Input drift (PSI; dashed line: 0.25, a large shift)</h2>", bar_chart("Input drift", drift, mark=0.25),
        "</body></html>",
    ])
