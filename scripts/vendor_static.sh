#!/bin/sh
# Copy the pinned front-end libraries from node_modules into static/vendor/.
#
# The copies are committed, so a fresh machine serves them without npm or a CDN;
# run this only to upgrade: edit the versions in package.json, then
#   npm ci --ignore-scripts && sh scripts/vendor_static.sh
# Source maps are copied too: the minified files point at them, and production's
# manifest storage (collectstatic) fails on a reference to a missing file.
set -eu

cd "$(dirname "$0")/.."
NM=node_modules
OUT=static/vendor

if [ ! -d "$NM/bootstrap" ]; then
    echo "node_modules is missing: run 'npm ci --ignore-scripts' first" >&2
    exit 1
fi

copy() {  # copy <destination folder> <files...>
    dest="$OUT/$1"
    shift
    mkdir -p "$dest"
    for file in "$@"; do
        cp "$NM/$file" "$dest/"
    done
}

rm -rf "$OUT/bootstrap" "$OUT/bootstrap-icons" "$OUT/htmx" "$OUT/chartjs" "$OUT/swagger-ui" "$OUT/workbox" "$OUT/idb"

copy bootstrap \
    bootstrap/dist/css/bootstrap.min.css bootstrap/dist/css/bootstrap.min.css.map \
    bootstrap/dist/js/bootstrap.bundle.min.js bootstrap/dist/js/bootstrap.bundle.min.js.map \
    bootstrap/LICENSE
copy bootstrap-icons bootstrap-icons/font/bootstrap-icons.min.css bootstrap-icons/LICENSE
copy bootstrap-icons/fonts bootstrap-icons/font/fonts/bootstrap-icons.woff2 bootstrap-icons/font/fonts/bootstrap-icons.woff
copy htmx htmx.org/dist/htmx.min.js htmx.org/LICENSE
copy chartjs chart.js/dist/chart.umd.min.js chart.js/dist/chart.umd.min.js.map chart.js/LICENSE.md
# The API docs page (/api/v1/docs/); started by static/api/docs.js, no inline script.
copy swagger-ui swagger-ui-dist/swagger-ui-bundle.js swagger-ui-dist/swagger-ui-bundle.js.map \
    swagger-ui-dist/swagger-ui.css swagger-ui-dist/swagger-ui.css.map swagger-ui-dist/LICENSE swagger-ui-dist/NOTICE

# The field app's service worker loads Workbox's browser builds with importScripts() from this
# site (never the CDN that workbox-sw would default to); the outbox keeps its items in IndexedDB
# through idb (already a dependency of workbox-expiration).
for module in core routing strategies precaching expiration cacheable-response; do
    copy workbox "workbox-$module/build/workbox-$module.prod.js" "workbox-$module/build/workbox-$module.prod.js.map"
done
cp "$NM/workbox-core/LICENSE" "$OUT/workbox/LICENSE"
copy idb idb/build/umd.js idb/LICENSE

# The bundles include these libraries; their licences travel with them.
cp "$NM/@popperjs/core/LICENSE.md" "$OUT/bootstrap/LICENSE-popper.md"
cp "$NM/@kurkle/color/LICENSE.md" "$OUT/chartjs/LICENSE-kurkle-color.md"

# Record what was copied, so a reviewer sees the versions without node_modules.
for pkg in bootstrap bootstrap-icons htmx.org chart.js swagger-ui-dist @popperjs/core @kurkle/color \
    workbox-core workbox-routing workbox-strategies workbox-precaching workbox-expiration workbox-cacheable-response idb; do
    printf '%s %s\n' "$pkg" "$(node -p "require('./$NM/$pkg/package.json').version")"
done > "$OUT/VERSIONS"
echo "Vendored into $OUT:"
cat "$OUT/VERSIONS"
