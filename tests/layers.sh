#!/bin/sh
# The include graph between the modules of src/ follows the layers:
#   util (0) -> model, net, metrics (1)
#            -> load, emu, fit, plan, gen, camp, out (2) -> cli (3)
# A module may include its own rank or a lower one, never a higher one, and
# no chain of includes between modules comes back to where it started.
# The arrows are taken from the `#include "MODULE/..."` lines of
# src/MODULE/*.[ch]. Exit 0 when the graph is clean; 1 naming each file and
# include that points up, each include on a loop, and each module with no
# rank (a new module must be given one here).
# Fails if: an include arrow points up a layer, two modules include each
# other (directly or through others), or a module is missing from the table.
set -u
srcdir=${SC_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$srcdir/src" || exit 1

# Each include between two modules: "FILE FROM TO HEADER".
edges=$(grep -H '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[a-z_]*/' \
	*/*.c */*.h |
	sed 's#^\([a-z_]*\)/\([^:]*\):[^"]*"\([a-z_]*\)/\([^"]*\)".*#src/\1/\2 \1 \3 \3/\4#' |
	awk '$2 != $3')
mods=$(ls -d */ | tr -d /)

printf '%s\n' "$edges" | awk -v mods="$mods" '
BEGIN {
	rank["util"] = 0
	rank["model"] = 1; rank["net"] = 1; rank["metrics"] = 1
	rank["load"] = 2; rank["emu"] = 2; rank["fit"] = 2; rank["plan"] = 2
	rank["gen"] = 2; rank["camp"] = 2; rank["out"] = 2
	rank["cli"] = 3
	n = split(mods, m, /[ \n]+/)
	for (i = 1; i <= n; i++)
		if (m[i] != "" && !(m[i] in rank)) {
			printf "layers: src/%s has no rank in tests/layers.sh\n", m[i]
			bad = 1
		}
}
NF == 4 {
	file[NR] = $1; from[NR] = $2; to[NR] = $3; hdr[NR] = $4
	reach[$2, $3] = 1
	node[$2] = 1; node[$3] = 1
	if (!($3 in rank)) {
		printf "layers: %s includes \"%s\": no module src/%s\n", $1, $4, $3
		bad = 1
	} else if (rank[$3] > rank[$2]) {
		printf "layers: %s includes \"%s\": %s (rank %d) -> %s (rank %d) points up\n", \
		    $1, $4, $2, rank[$2], $3, rank[$3]
		bad = 1
	}
}
END {
	# Transitive closure (Floyd-Warshall); a loop is an edge a -> b where
	# b reaches a. Only sideways edges are named: an edge down is on a
	# loop only through an edge up or sideways, which is the one to fix.
	for (k in node)
		for (i in node)
			if ((i, k) in reach)
				for (j in node)
					if ((k, j) in reach)
						reach[i, j] = 1
	for (r = 1; r <= NR; r++)
		if (r in file && rank[from[r]] == rank[to[r]] &&
		    ((to[r], from[r]) in reach)) {
			printf "layers: %s includes \"%s\": %s -> %s is on a loop (%s reaches %s back)\n", \
			    file[r], hdr[r], from[r], to[r], to[r], from[r]
			bad = 1
		}
	if (!bad)
		printf "layers: %d includes between modules, none up a layer, no loop\n", NR
	exit bad
}'
