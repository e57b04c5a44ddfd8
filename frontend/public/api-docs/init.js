// Starts Swagger UI on the API's OpenAPI document (served by the app at
// /api/openapi.json). A file, not an inline script: the page's
// Content-Security-Policy allows scripts from the app's own origin only.
window.addEventListener('load', () => {
  window.ui = window.SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', deepLinking: true });
});
