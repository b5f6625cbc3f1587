# TTFT against concurrency for one deployment: measured p50 with the p50-p90
# band, and the model's projection before (priors) and after calibration.
# servecal plot fills the @NAME@ fields; render with: gnuplot THIS_FILE.gp
set terminal pngcairo size 1400,900 font 'DejaVu Sans,14' noenhanced
set output 'ttft-agg-tp2x4.png'
set encoding utf8
set datafile separator whitespace
set datafile missing NaN
set title 'TTFT vs concurrency, agg-tp2x4 (agg): measured vs projected' font ',16'
set xlabel 'concurrency (closed-loop users)'
set ylabel 'TTFT (ms)'
set logscale x 2
set grid back lc rgb '#e0e0e0' lw 1
set border 3 lc rgb '#404040'
set tics nomirror out
set key outside below center horizontal maxrows 2 samplen 2.5 spacing 1.2 width 2
set yrange [0:*]
set offsets graph 0.05, graph 0.05, graph 0.08, 0
set xtics (1, 8, 32, 64)
# log scale: the values span 18x
set logscale y
set mytics default
set ytics (100, 200, 300, 500, 1000, 2000)
set yrange [96:2625]

plot 'ttft-agg-tp2x4.dat' index 0 using 1:2:3 with filledcurves fc rgb '#6baed6' fs transparent solid 0.30 noborder title 'measured p50 to p90', \
     'ttft-agg-tp2x4.dat' index 0 using 1:2 with linespoints lw 1.5 pt 7 ps 1.0 lc rgb '#6b8fc2' title 'measured p50', \
     'ttft-agg-tp2x4.dat' index 0 using 1:3 with linespoints lw 2.5 pt 7 ps 1.5 lc rgb '#08519c' title 'measured p90 (the SLA statistic)', \
     'ttft-agg-tp2x4.dat' index 0 using 1:6 with points pt 3 ps 1.8 lw 1.5 lc rgb '#08519c' title 'measured mean', \
     'ttft-agg-tp2x4.dat' index 0 using 1:4 with linespoints lw 2 dt (8,5) pt 4 ps 1.5 lc rgb '#7f7f7f' title 'projected mean, priors (before calibration)', \
     'ttft-agg-tp2x4.dat' index 0 using 1:5 with linespoints lw 2.5 pt 6 ps 1.7 lc rgb '#d95f02' title 'projected mean, calibrated', \
     'ttft-agg-tp2x4.dat' index 0 using 1:9 with linespoints lw 1.5 dt (4,3) pt 6 ps 1.2 lc rgb '#d95f02' title 'projected p90, calibrated', \
     600 with lines lw 1.5 dt 2 lc rgb '#b2182b' title 'TTFT p90 SLA 600 ms', \
     1200 with lines lw 1.5 dt 4 lc rgb '#b2182b' title 'TTFT p90 SLA 1200 ms', \
     'ttft-agg-tp2x4.dat' index 0 using 1:8 with points pt 6 ps 3.0 lw 2.5 lc rgb '#b2182b' title 'misses TTFT p90 ≤ 600 ms'

