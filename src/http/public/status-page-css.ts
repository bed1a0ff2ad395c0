/** The status page's stylesheet, served from the server's own origin (the CSP allows no inline styles). */
export const STATUS_PAGE_CSS = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#f6f8fa}
main{max-width:860px;margin:0 auto;padding:32px 16px}
h1{font-size:26px;margin:0 0 16px}
.overall{padding:14px 18px;border-radius:8px;color:#fff;font-weight:600;margin:0 0 24px}
.tasks{list-style:none;margin:0;padding:0;background:#fff;border:1px solid #d0d7de;border-radius:8px}
.task{padding:16px 18px;border-top:1px solid #d0d7de}
.task:first-child{border-top:0}
.task-head{display:flex;justify-content:space-between;align-items:center;margin-bottom:8px}
.task-name{font-weight:600;overflow-wrap:anywhere}
.pill{padding:1px 10px;border-radius:10px;color:#fff;font-size:13px}
.bars{display:flex;gap:2px;list-style:none;margin:0;padding:0;height:34px}
.day{flex:1;border-radius:2px;background:#d0d7de}
.day.ok{background:#2da44e}
.day.partial{background:#d4a72c}
.day.failing{background:#cf222e}
.axis{display:flex;justify-content:space-between;font-size:12px;color:#57606a;margin-top:4px}
.empty,.footer{color:#57606a}
.footer{font-size:12px;margin-top:16px}
.state-up{background:#2da44e}
.state-late{background:#bc4c00}
.state-down{background:#cf222e}
.state-paused,.state-new{background:#6e7781}
`;
