// Starts ReDoc on this server's OpenAPI document (a file, since the pages allow no inline script).
Redoc.init(new URL('openapi.json', document.baseURI).href, {}, document.getElementById('redoc'));
