#!/usr/bin/env bash
# Extract the UI strings into messages.pot, update the fi, sv and en catalogs
# from it and compile them. Run from the repository root:
#
#     bash app/translations/extract.sh
#     PYBABEL=/path/to/pybabel bash app/translations/extract.sh
#
# Keywords: Babel's defaults (_, gettext, ngettext, ...) plus the lazy forms
# and the domain error classes, whose first argument is an English msgid.
# tests/test_translations.py runs the same extraction (keep KEYWORDS in sync).
set -euo pipefail

PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
DIR=app/translations
POT="$DIR/messages.pot"
LOCALES=(fi sv en)
KEYWORDS=(_l lazy_gettext InvalidInput Conflict NotFound PermissionDenied DomainError)

cd "$(dirname "$0")/../.."

kflags=()
for keyword in "${KEYWORDS[@]}"; do
    kflags+=(-k "$keyword")
done

"$PYBABEL" -q extract -F babel.cfg "${kflags[@]}" \
    --sort-by-file --add-comments=TRANSLATORS: \
    --project=Kokemuspankki --copyright-holder=Kokemuspankki \
    -o "$POT" .

for locale in "${LOCALES[@]}"; do
    po="$DIR/$locale/LC_MESSAGES/messages.po"
    if [[ -f "$po" ]]; then
        "$PYBABEL" -q update --no-fuzzy-matching --ignore-obsolete \
            -i "$POT" -d "$DIR" -l "$locale"
    else
        "$PYBABEL" -q init -i "$POT" -d "$DIR" -l "$locale"
    fi
done

"$PYBABEL" -q compile -d "$DIR"
