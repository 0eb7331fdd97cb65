// pxtc-docs.js - starts Swagger UI on the server's OpenAPI document. The document's
// address is taken relative to this page (/docs/ -> /api/openapi.json), so the page
// keeps working behind a proxy that mounts pxtc under a path prefix.
(function () {
  "use strict";
  var spec = new URL("../api/openapi.json", window.location.href).href;
  document.getElementById("pxtc-spec-link").href = spec;
  window.ui = SwaggerUIBundle({
    url: spec,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    // an API key entered with "Authorize" survives a reload of the page
    persistAuthorization: true,
    validatorUrl: null
  });
})();
