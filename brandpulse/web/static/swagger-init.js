// The OpenAPI page: Swagger UI on the app's own schema (a file, not an inline script: the CSP allows none).
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#swagger-ui" });
});
