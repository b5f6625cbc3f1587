# Pareto chart of a matching run: output tokens/s per GPU against tokens/s
# per user for every agg and disagg configuration, each point coloured by
# its TTFT at the SLA statistic (named on the colour bar); those that miss
# an SLA grey; measured points on top, labelled with their concurrency,
# hollow where they miss an SLA; the best configurations ringed and tagged,
# described above the plot area; the TPOT SLA as a line.
# servecal plot fills the @NAME@ fields; render with: gnuplot THIS_FILE.gp
@TERMINAL@
set output '@OUTPUT@'
set encoding utf8
set datafile separator whitespace
set datafile missing NaN
set title '@TITLE@' font ',16'
set xlabel 'tokens/s/user  (1000 / TPOT in ms)'
set ylabel 'output tokens/s per GPU'
set grid back lc rgb '#e0e0e0' lw 1
set border 3 lc rgb '#404040'
set tics nomirror out
set key outside below center horizontal maxrows 3 samplen 1.5 spacing 1.2 width 1
# TTFT colour scale: blue-green-yellow up to the TTFT SLA (mid-scale), then
# orange to red for first tokens slower than the SLA.
set palette defined (0 '#440154', 0.125 '#3b528b', 0.25 '#21918c', 0.375 '#5ec962', 0.5 '#fde725', 0.75 '#f98e09', 1 '#b40426')
set colorbox vertical user origin graph 1.02, graph 0 size character 2, graph 1
set rmargin 20
set xrange [0:*]
set yrange [0:*]
set offsets 0, graph 0.04, graph 0.06, 0
@SETTINGS@
@PLOT@
