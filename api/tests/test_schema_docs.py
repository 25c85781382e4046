"""The schema is OpenAPI 3.1 and the docs page runs from vendored files under the CSP."""

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_the_schema_is_openapi_3_1_with_the_error_shape(client, officer_bandung):
    client.force_login(officer_bandung)
    schema = client.get("/api/v1/schema/?format=json").json()
    assert schema["openapi"] == "3.1.0"
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])
    visit_post = schema["paths"]["/api/v1/field-visits/"]["post"]
    assert "multipart/form-data" in visit_post["requestBody"]["content"]
    assert visit_post["responses"]["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")


def test_the_docs_page_loads_swagger_ui_from_this_site_without_inline_script(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/api/v1/docs/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert (
        "<script>" not in html
        and "http" not in response["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    )
    assert finders.find("vendor/swagger-ui/swagger-ui-bundle.js") and finders.find("api/docs.js")
    menu = client.get("/").content.decode()
    assert 'href="/api/v1/docs/"' in menu


def test_messages_follow_the_requests_language(bandung_client):
    english = bandung_client.get("/api/v1/households/", {"updated_since": "x"}, HTTP_ACCEPT_LANGUAGE="en").json()
    indonesian = bandung_client.get("/api/v1/households/", {"updated_since": "x"}).json()
    assert (english["message"], indonesian["message"]) == ("Invalid data.", "Data tidak valid.")
    assert english["errors"]["updated_since"][0].startswith("Invalid time")
