/**
 * HTML shell of the admin panel. A placeholder until the Admin web panel issue: it proves the worker
 * serves the page with the security headers the panel will rely on.
 */
export function renderShell(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CE Calendar — admin</title>
</head>
<body>
<main>
<h1>CE Calendar</h1>
<p>Calendar connections, vault migration and module settings will be managed here.</p>
<p>API: <a href="/v1/openapi.json">OpenAPI document</a> · <a href="/healthz">health</a></p>
</main>
</body>
</html>`;
}
