// Starts Swagger UI on the API docs page; the schema address comes from a data attribute (no inline script, CSP).
(function () {
  "use strict";
  var element = document.getElementById("swagger-ui");
  var csrfToken = element.dataset.csrfToken;
  window.SwaggerUIBundle({
    url: element.dataset.schemaUrl,
    domNode: element,
    deepLinking: true,
    // "Try it out" from the page uses the session: unsafe methods carry the CSRF token.
    requestInterceptor: function (request) {
      request.headers["X-CSRFToken"] = csrfToken;
      return request;
    },
  });
})();
