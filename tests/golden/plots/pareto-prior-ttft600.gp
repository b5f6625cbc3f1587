# Pareto chart of a matching run: output tokens/s per GPU against tokens/s
# per user for every agg and disagg configuration, each point coloured by
# its TTFT at the SLA statistic (named on the colour bar); those that miss
# an SLA grey; measured points on top, labelled with their concurrency,
# hollow where they miss an SLA; the best configurations ringed and tagged,
# described above the plot area; the TPOT SLA as a line.
# servecal plot fills the @NAME@ fields; render with: gnuplot THIS_FILE.gp
set terminal pngcairo size 1400,900 font 'DejaVu Sans,14' noenhanced
set output 'pareto-prior-ttft600.png'
set encoding utf8
set datafile separator whitespace
set datafile missing NaN
set title 'Pareto, prior model, TTFT p90 ≤ 600 ms, TPOT mean ≤ 16.67 ms (ISL 4000 / OSL 500, 8 GPUs)' font ',16'
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
set cblabel 'TTFT p90 (ms)' offset 2.5,0
set cbrange [0:1200]
set cbtics ('0' 0, '300' 300, 'SLA 600' 600, '900' 900, '≥ 1200' 1200)
# TPOT SLA: points left of x = 59.988 tokens/s/user are too slow per user. Its label runs along the line, away from the tick labels.
set object 1 rect from graph 0, graph 0 to first 59.988, graph 1 behind fc rgb '#f3f3f3' fs solid 1.0 noborder
set arrow 1 from first 59.988, graph 0 to first 59.988, graph 1 nohead front lc rgb '#b2182b' lw 2 dt 2
set label 1 'TPOT mean SLA 16.67 ms (60.0 tokens/s/user)' at first 59.988, graph 0.5 center rotate by 90 offset character -1.2,0 front tc rgb '#b2182b' font ',11'
set label 11 'A  agg best: 4x TP2 (batch 64, 8192 tokens): 352.0 tokens/s/gpu, 8 of 8 GPUs, TTFT p90 540 ms' at graph 0, graph 1 offset 0, character 2.3 left front tc rgb '#000000' font ',12'
set label 12 'D  disagg best: 2P TP2 (batch 4) + 1D TP4 (batch 128): 640.0 tokens/s/gpu, 8 of 8 GPUs, TTFT p90 310 ms' at graph 0, graph 1 offset 0, character 0.9 left front tc rgb '#000000' font ',12'
set tmargin 7
set title offset 0,2.8

plot keyentry with points pt 7 ps 1.9 lc rgb '#505050' title 'agg (projected)', \
     keyentry with points pt 9 ps 2.2 lc rgb '#505050' title 'disagg (projected)', \
     keyentry with points pt 5 ps 2.0 lc rgb '#505050' title 'agg measured, cN', \
     keyentry with points pt 13 ps 2.4 lc rgb '#505050' title 'disagg measured, cN', \
     keyentry with points pt 4 ps 2.0 lw 2 lc rgb '#b2182b' title 'measured, misses an SLA', \
     'pareto-prior-ttft600.dat' index 0 using 1:2 with points pt 6 ps 1.3 lc rgb '#a0a0a0' title 'misses an SLA (grey)', \
     'pareto-prior-ttft600.dat' index 1 using 1:2 with points pt 8 ps 1.5 lc rgb '#a0a0a0' notitle, \
     'pareto-prior-ttft600.dat' index 4 using 1:2 with lines lw 2.5 lc rgb '#202020' dt 1 title 'agg Pareto front', \
     'pareto-prior-ttft600.dat' index 5 using 1:2 with lines lw 2.5 lc rgb '#202020' dt (10,5) title 'disagg Pareto front', \
     'pareto-prior-ttft600.dat' index 2 using 1:2:3 with points pt 7 ps 1.9 lc palette notitle, \
     'pareto-prior-ttft600.dat' index 2 using 1:2 with points pt 6 ps 1.9 lw 1 lc rgb '#303030' notitle, \
     'pareto-prior-ttft600.dat' index 3 using 1:2:3 with points pt 9 ps 2.2 lc palette notitle, \
     'pareto-prior-ttft600.dat' index 3 using 1:2 with points pt 8 ps 2.2 lw 1 lc rgb '#303030' notitle, \
     'pareto-prior-ttft600.dat' index 6 using 1:2:3 with points pt 5 ps 2.0 lc palette notitle, \
     'pareto-prior-ttft600.dat' index 6 using 1:2 with points pt 4 ps 2.0 lw 2 lc rgb '#000000' notitle, \
     'pareto-prior-ttft600.dat' index 7 using 1:2 with points pt 4 ps 2.0 lw 2 lc rgb '#b2182b' notitle, \
     'pareto-prior-ttft600.dat' index 6 using 1:2:6 with labels left offset character 1.3,-0.9 font ',10' tc rgb '#000000' notitle, \
     'pareto-prior-ttft600.dat' index 7 using 1:2:6 with labels left offset character 1.3,-0.9 font ',10' tc rgb '#000000' notitle, \
     'pareto-prior-ttft600.dat' index 8 using 1:2:3 with points pt 13 ps 2.4 lc palette notitle, \
     'pareto-prior-ttft600.dat' index 8 using 1:2 with points pt 12 ps 2.4 lw 2 lc rgb '#000000' notitle, \
     'pareto-prior-ttft600.dat' index 9 using 1:2 with points pt 12 ps 2.4 lw 2 lc rgb '#b2182b' notitle, \
     'pareto-prior-ttft600.dat' index 8 using 1:2:6 with labels left offset character 1.3,-0.9 font ',10' tc rgb '#000000' notitle, \
     'pareto-prior-ttft600.dat' index 9 using 1:2:6 with labels left offset character 1.3,-0.9 font ',10' tc rgb '#000000' notitle, \
     keyentry with points pt 6 ps 3.6 lw 3 lc rgb '#d62728' title 'best: A agg, D disagg', \
     'pareto-prior-ttft600.dat' index 10 using 1:2 with points pt 6 ps 3.6 lw 3 lc rgb '#d62728' notitle, \
     'pareto-prior-ttft600.dat' index 10 using 1:2:6 with labels left offset character 1.4,1.1 font ',14' tc rgb '#d62728' notitle, \
     'pareto-prior-ttft600.dat' index 11 using 1:2 with points pt 6 ps 3.6 lw 3 lc rgb '#d62728' notitle, \
     'pareto-prior-ttft600.dat' index 11 using 1:2:6 with labels left offset character 1.4,1.1 font ',14' tc rgb '#d62728' notitle

