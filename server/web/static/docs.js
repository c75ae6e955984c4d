// The API reference at /docs: Swagger UI (vendored under /static/vendor, see
// ../NOTICE) reading this instance's /openapi.json. Nothing is loaded from
// another host, so the page works without internet; the online validator
// badge is off for the same reason.
window.addEventListener("DOMContentLoaded", () => {
  window.SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
    tryItOutEnabled: false,
  });
});
