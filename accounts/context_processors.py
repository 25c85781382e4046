from accounts.navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = menu_for(user)
    # A section stays highlighted on its sub-pages (/akun/pengguna/baru/ under Pengguna);
    # the home page "/" would prefix everything, so it must match exactly.
    for item in items:
        url = item["url"]
        item["active"] = request.path == url or (url != "/" and request.path.startswith(url))
    return {"nav_items": items}
