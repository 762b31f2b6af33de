/**
 * The status page's stylesheet, inlined so the page is one response and needs no asset route.
 * Colours meet WCAG AA contrast in both schemes; state is always also written in words.
 */
export const PAGE_STYLE = `
:root{--bg:#fff;--fg:#1f2328;--muted:#57606a;--card:#f6f8fa;--line:#d0d7de;--accent:#0969da;
--up:#1a7f37;--degraded:#9a6700;--down:#cf222e;--maintenance:#0969da;--unknown:#6e7781}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9da7b3;--card:#161b22;--line:#30363d;
--accent:#58a6ff;--up:#3fb950;--degraded:#d29922;--down:#f85149;--maintenance:#58a6ff;--unknown:#8b949e}}
*{box-sizing:border-box}body{margin:0 auto;max-width:60rem;padding:1rem;background:var(--bg);color:var(--fg);
font:16px/1.5 system-ui,sans-serif}a{color:var(--accent)}h1{font-size:1.5rem;margin:0}h2{font-size:1.2rem}
header{display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:var(--bg);padding:.5rem}
ul.services,ul.incidents,ul.monitors{list-style:none;padding:0}
.service,.incident,.monitors li{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.6rem .8rem;margin:.5rem 0}
.service-head{display:flex;flex-wrap:wrap;gap:.5rem;align-items:baseline}.since,.severity{color:var(--muted);font-size:.9rem}
.badge{font-weight:600;padding:0 .4rem;border-radius:4px;border:1px solid currentColor}
.badge.s-up{color:var(--up)}.badge.s-degraded{color:var(--degraded)}.badge.s-down{color:var(--down)}
.badge.s-maintenance{color:var(--maintenance)}.badge.s-unknown{color:var(--unknown)}
.bar{display:flex;gap:1px;list-style:none;padding:0;margin:.4rem 0 0;height:1.6rem}
.cell{flex:1;min-width:2px;border-radius:1px;background:var(--unknown);opacity:.5}
.cell.s-up{background:var(--up);opacity:1}.cell.s-degraded{background:var(--degraded);opacity:1}
.cell.s-down{background:var(--down);opacity:1}.cell.s-maintenance{background:var(--maintenance);opacity:1}
.group{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.4rem .8rem;margin:.5rem 0}
.group summary{cursor:pointer}.group h3{display:inline;font-size:1rem;margin:0}.count{color:var(--muted);font-size:.9rem}
ul.compact{list-style:none;padding:0;margin:.4rem 0;display:grid;grid-template-columns:repeat(auto-fill,minmax(15rem,1fr));gap:.2rem 1rem}
ul.compact .badge{font-size:.8rem}.overview{color:var(--muted)}
.incident.sev-major{border-left:4px solid var(--down)}.incident.sev-minor{border-left:4px solid var(--degraded)}
.evidence{margin:.3rem 0 0;padding-left:1.2rem}.chart{margin:0;overflow-x:auto}.chart svg{max-width:100%;height:auto}
.blind{border:1px solid var(--degraded);border-left:4px solid var(--degraded);background:var(--card);padding:.6rem .8rem;border-radius:6px}
.uptime{border-collapse:collapse}.uptime th,.uptime td{padding:.2rem .8rem .2rem 0;text-align:left}
.uptime td{font-variant-numeric:tabular-nums}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;
