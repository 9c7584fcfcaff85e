/**
 * HTML shell of the admin panel. No inline script or style (CSP forbids both); the client bundle
 * (web/client → web/dist/admin/app.js, built by scripts/build-web.ts) renders everything.
 */
export function renderShell(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Calendar Connections — CE</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/admin/app.css">
<script type="module" src="/admin/app.js"></script>
</head>
<body>
<header class="top"><h1>Calendar Connections</h1><span id="whoami" class="muted"></span></header>
<main id="app" aria-live="polite"><p class="muted">Loading…</p></main>
<noscript>The admin panel needs JavaScript.</noscript>
</body>
</html>`;
}
