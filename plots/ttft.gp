# TTFT against concurrency for one deployment: measured p50 with the p50-p90
# band, and the model's projection before (priors) and after calibration.
# servecal plot fills the @NAME@ fields; render with: gnuplot THIS_FILE.gp
@TERMINAL@
set output '@OUTPUT@'
set encoding utf8
set datafile separator whitespace
set datafile missing NaN
set title '@TITLE@' font ',16'
set xlabel 'concurrency (closed-loop users)'
set ylabel 'TTFT (ms)'
set logscale x 2
set grid back lc rgb '#e0e0e0' lw 1
set border 3 lc rgb '#404040'
set tics nomirror out
set key outside below center horizontal maxrows 2 samplen 2.5 spacing 1.2 width 2
set yrange [0:*]
set offsets graph 0.05, graph 0.05, graph 0.08, 0
@SETTINGS@
@PLOT@
