#!/usr/bin/env bash
# layers.sh OBJECT... - libpxt's rooms call each other one way.
#
# The arguments are the library's object files, each in the folder of its room
# (.../lib/<room>/<file>.c.o); an argument may also be a CMake list (a;b;c), as
# $<TARGET_OBJECTS:...> expands to in add_test. A call from a file of one room to a function another
# room defines is an arrow between the two rooms; the arrows must form no cycle. The
# one cycle allowed is inherent: the catalog reads computed columns back, so it calls
# the expression code (engine/expr*.c: check, parse, serialize, free, equal) while the
# engine calls the catalog. Any other cycle fails the test, with the calls that make it.
set -euo pipefail

objs=()
for arg in "$@"; do
  IFS=';' read -ra parts <<<"$arg"
  objs+=("${parts[@]}")
done
if [ "${#objs[@]}" -lt 2 ]; then
  echo "usage: layers.sh OBJECT..." >&2
  exit 2
fi

for obj in "${objs[@]}"; do
  [ -f "$obj" ] || { echo "layers.sh: no such object file: $obj" >&2; exit 2; }
done

# nm -A prefixes each symbol with its object: ".../lib/<room>/<file>.c.o:<value> T name"
# for a definition, ".../<file>.c.o: U name" for a symbol the file uses but does not
# define.
nm -A "${objs[@]}" | awk '
  function room(f) { return substr(f, 1, index(f, "/") - 1) }
  # the inherent arrow: catalog files calling the expression code of the engine
  function allowed(from, to) { return room(from) == "catalog" && to ~ /^engine\/expr/ }
  NF == 3 {
    obj = $1		# ".../<room>/<file>.c.o:<value>", the value blank for U
    sub(/:[^:]*$/, "", obj)
    n = split(obj, p, "/")
    f = p[n - 1] "/" p[n]
    sub(/\.o$/, "", f)
    if ($2 == "U")
      use[++nuse] = f " " $3
    else if ($2 ~ /^[TDBRGSVW]$/) {
      def[$3] = f
      rooms[room(f)] = 1
    }
  }
  END {
    nr = 0
    for (r in rooms) name[++nr] = r
    for (i = 1; i <= nuse; i++) {
      split(use[i], u, " ")
      if (!(u[2] in def))
        continue
      a = room(u[1]); b = room(def[u[2]])
      if (a == b)
        continue
      ncross++
      if (allowed(u[1], def[u[2]])) {
        nallowed++
        continue
      }
      reach[a, b] = 1
      calls[a, b] = calls[a, b] "    " u[1] " -> " def[u[2]] " (" u[2] ")\n"
    }
    # fewer rooms or no arrows at all: the objects are not the library (a test that
    # cannot fail is no test)
    if (nr < 5 || ncross == 0) {
      printf "layers.sh: %d rooms and %d calls between them: not libpxt'"'"'s objects\n", nr, ncross
      exit 2
    }
    for (k = 1; k <= nr; k++)
      for (i = 1; i <= nr; i++)
        if ((name[i], name[k]) in reach)
          for (j = 1; j <= nr; j++)
            if ((name[k], name[j]) in reach)
              reach[name[i], name[j]] = 1
    bad = 0
    for (i = 1; i <= nr; i++)
      for (j = 1; j <= nr; j++) {
        a = name[i]; b = name[j]
        if (a == b || !((a, b) in calls) || !((b, a) in reach))
          continue
        if (!bad)
          print "libpxt: rooms that call each other in a cycle (each arrow and its calls):"
        bad = 1
        printf "  %s -> %s\n%s", a, b, calls[a, b]
      }
    if (bad) {
      print "Move the code so that the arrows point one way (only catalog -> engine/expr*.c"
      print "may close a cycle)."
      exit 1
    }
    printf "libpxt: %d rooms, %d calls between them (%d of them the catalog'"'"'s expression check), no cycle\n", nr, ncross, nallowed
  }'
