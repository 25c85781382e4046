from accounts.navigation import menu_for

# Menu entries shown in the bar on a wide screen; the rest go under "Lainnya" so the bar
# never wraps however many entries the apps add. On a phone every entry is listed.
NAV_INLINE = 6


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_more": []}
    items = menu_for(user)
    # A section stays highlighted on its sub-pages (/akun/pengguna/baru/ under Pengguna);
    # the home page "/" would prefix everything, so it must match exactly.
    for item in items:
        url = item["url"]
        item["active"] = request.path == url or (url != "/" and request.path.startswith(url))
    return {
        "nav_items": items[:NAV_INLINE],
        "nav_more": items[NAV_INLINE:],
        "nav_more_active": any(item["active"] for item in items[NAV_INLINE:]),
    }
