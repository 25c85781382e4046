"""Login (throttled) and user management pages.

Every user page reads through `services.manageable_users(request.user)`, which is
`User.objects.visible_to(request.user)` narrowed by the role rule: a login outside
it is a 404. A role that manages nobody gets 403 on the list and create pages, and
on a login's own pages once the login is known to be in its scope (`_managed_user`).
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services
from accounts.downloads import can_read_downloads, downloads_visible_to
from accounts.filters import DownloadFilter, UserFilter
from accounts.forms import (
    DeviceTokenForm,
    IntegrationAccountForm,
    PasswordResetForm,
    ThrottledAuthenticationForm,
    UserCreateForm,
    UserForm,
)
from accounts.history import user_history
from accounts.models import User
from kube_portal.forms import add_service_errors
from kube_portal.paging import ListPaginator

USERS_PER_PAGE = 25


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True


def user_manager_required(view):
    """Logged in, and in a role that manages logins; otherwise 403."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not services.can_manage_users(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _managed_user(request, pk) -> User:
    """The login behind `pk`, if the current user may manage it.

    Scope comes first: outside it the answer is 404 whatever the role, so a 403 never
    confirms that a login exists elsewhere. Inside it, a role that manages nobody gets
    403, and a login the manager may not manage (a colleague, a superior) is a 404.
    """
    visible = get_object_or_404(User.objects.visible_to(request.user), pk=pk)
    if not services.can_manage_users(request.user):
        raise PermissionDenied
    return get_object_or_404(services.manageable_users(request.user).select_related("region"), pk=visible.pk)


@user_manager_required
def user_list(request):
    users = services.manageable_users(request.user).select_related("region", "directorate_area")
    filters = UserFilter(request.GET or None, queryset=users, request=request)
    page = Paginator(filters.qs.order_by("-is_active", "username"), USERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/user_list.html",
        {"page": page, "form": filters.form, "query_string": filters.query_string, "filtered": filters.filtered},
    )


@user_manager_required
@require_http_methods(["GET", "POST"])
def user_create(request):
    if request.method == "POST":
        form = UserCreateForm(request.POST, manager=request.user)
        if form.is_valid():
            try:
                user = services.user_create(
                    manager=request.user,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password1"],
                    **form.service_kwargs(),
                )
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _("Pengguna %(username)s telah dibuat.") % {"username": user.username})
                return redirect("accounts:user_list")
    else:
        form = UserCreateForm(manager=request.user, initial=_role_from_query(request))
    return _render_form(request, "accounts/user_form.html", {"form": form, "is_create": True})


@login_required
@require_http_methods(["GET", "POST"])
def user_edit(request, pk):
    managed = _managed_user(request, pk)
    if request.method == "POST":
        form = UserForm(request.POST, manager=request.user, instance=managed)
        if form.is_valid():
            try:
                services.user_update(manager=request.user, user=managed, **form.service_kwargs())
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(
                    request, _("Data pengguna %(username)s telah disimpan.") % {"username": managed.username}
                )
                return redirect("accounts:user_list")
    else:
        form = UserForm(manager=request.user, instance=managed, initial=_role_from_query(request))
    history = user_history(managed).page(request)
    return _render_form(
        request,
        "accounts/user_form.html",
        {"form": form, "managed": managed, "is_create": False, "history": history},
    )


def _role_from_query(request) -> dict:
    # ?role= comes from the role select (htmx), so the region list follows the chosen role.
    role = request.GET.get("role", "")
    return {"role": role} if role in services.assignable_roles(request.user) else {}


def _render_form(request, template, context):
    context["form"].follow_role_changes(request.path)
    context["assignable_roles"] = services.assignable_roles(request.user)
    # An htmx role change only needs the fields that depend on the role.
    if request.headers.get("HX-Request") and request.method == "GET":
        template = "accounts/partials/scope_fields.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def user_deactivate(request, pk):
    """GET asks for confirmation; POST deactivates (or reactivates an inactive login)."""
    managed = _managed_user(request, pk)
    if request.method == "POST":
        if managed.is_active:
            services.user_deactivate(manager=request.user, user=managed)
            messages.success(request, _("Pengguna %(username)s dinonaktifkan.") % {"username": managed.username})
        else:
            services.user_reactivate(manager=request.user, user=managed)
            messages.success(request, _("Pengguna %(username)s diaktifkan kembali.") % {"username": managed.username})
        return redirect("accounts:user_list")
    return render(request, "accounts/user_confirm_deactivate.html", {"managed": managed})


@login_required
@require_http_methods(["GET", "POST"])
def user_password_reset(request, pk):
    managed = _managed_user(request, pk)
    form = PasswordResetForm(request.POST or None, user=managed)
    if request.method == "POST" and form.is_valid():
        services.user_password_reset(manager=request.user, user=managed, password=form.cleaned_data["password1"])
        messages.success(
            request,
            _("Kata sandi %(username)s telah disetel ulang. Sampaikan kata sandi baru kepada pengguna secara langsung.")
            % {"username": managed.username},
        )
        return redirect("accounts:user_list")
    return render(request, "accounts/user_password_reset.html", {"form": form, "managed": managed})


DOWNLOADS_PER_PAGE = 50


@login_required
@require_GET
def download_list(request):
    """Who downloaded which personal data: read-only, for administrators and the district head."""
    if not can_read_downloads(request.user):
        raise PermissionDenied
    records = downloads_visible_to(request.user).select_related("user")
    filters = DownloadFilter(request.GET or None, queryset=records, request=request)
    page = ListPaginator(filters.qs.order_by("-at", "-id"), DOWNLOADS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/download_list.html",
        {"form": filters.form, "page": page, "query_string": filters.query_string, "filtered": filters.filtered},
    )


# --- API tokens ------------------------------------------------------------------------------------


def token_manager_required(view):
    """Administrators and kab/kota heads issue and revoke API tokens; anyone else gets 403."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not services.can_issue_tokens(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@token_manager_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    """The tokens the manager oversees (last use shown), and the forms to issue one; a new secret is shown once."""
    manager = request.user
    device_form = DeviceTokenForm(request.POST if "device-name" in request.POST else None, manager=manager)
    integration_form = IntegrationAccountForm(
        request.POST if "integration-name" in request.POST else None, manager=manager
    )
    issued = None
    status = 200
    if request.method == "POST":
        try:
            if device_form.is_bound and device_form.is_valid():
                issued = services.api_token_issue(
                    manager=manager, user=device_form.cleaned_data["user"], name=device_form.cleaned_data["name"]
                )
            elif integration_form.is_bound and integration_form.is_valid():
                issued = services.integration_account_create(manager=manager, **integration_form.cleaned_data)
        except ValidationError as error:
            add_service_errors(device_form if device_form.is_bound else integration_form, error)
        if issued is None:
            status = 400
        else:
            device_form = DeviceTokenForm(manager=manager)
            integration_form = IntegrationAccountForm(manager=manager)
    tokens = services.tokens_visible_to(manager).select_related("user", "created_by", "revoked_by")
    page = Paginator(tokens, USERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/token_list.html",
        {
            "page": page,
            "device_form": device_form,
            "integration_form": integration_form,
            "issued": issued[0] if issued else None,
            "secret": issued[1] if issued else "",
        },
        status=status,
    )


@login_required
@require_POST
def token_revoke(request, pk):
    # A token outside what the user oversees (any token, for a role that issues none) is a 404.
    token = get_object_or_404(services.tokens_visible_to(request.user), pk=pk)
    services.api_token_revoke(manager=request.user, token=token)
    messages.success(request, _("Token %(name)s dicabut.") % {"name": token.name})
    return redirect("accounts:token_list")
