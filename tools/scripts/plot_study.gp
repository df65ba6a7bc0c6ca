# Line chart of one sweep metric against one varied parameter, as PNG and SVG.
# `infsim sweep` writes the data and calls this once per (metric, parameter):
#
#   gnuplot -e "datafile='DIR/plots/M-vs-P.dat'; outbase='DIR/plots/M-vs-P'; lines=2; \
#               title='...'; xlabel='...'; ylabel='... (unit)'; logx=0; ticlabels=1; \
#               yzero=1; boolean=0; failed=1" tools/scripts/plot_study.gp
#
# The data file holds one block per line (blocks separated by two blank lines); each block starts
# with a header row whose first cell is the line's title (the legend names every series, a single
# one too), then rows "x <TAB> y <TAB> x label <TAB> failed y". y is NaN where the point has no
# value (does not fit, failed); such a point is drawn as a red cross at "failed y" instead.
# yzero: a rate, time, size or count, so the y axis starts at 0. boolean: a 0/1 metric (fits,
# weights_on_chip), drawn as steps between "no" and "yes".

set datafile separator "\t"
set title title noenhanced
set xlabel xlabel noenhanced
set ylabel ylabel noenhanced
set grid
set key below noenhanced
if (logx) { set logscale x 2 }
set offsets graph 0.02, graph 0.02, graph 0.05, 0
if (boolean) {
  set yrange [-0.1:1.1]
  set ytics ("no (0)" 0, "yes (1)" 1)
  set offsets graph 0.02, graph 0.02, 0, 0
} else {
  if (yzero) { set yrange [0:*] }
}
set macros
style = boolean ? "steps lw 2" : "linespoints pt 7 ps 0.8 lw 2"
failtitle = "failed (does not fit or error)"

do for [format in "png svg"] {
  if (format eq "png") {
    set terminal pngcairo size 900,540 noenhanced
  } else {
    set terminal svg size 900,540 dynamic noenhanced
  }
  set output outbase . "." . format
  if (ticlabels) {
    plot for [i=0:lines-1] datafile index i using 1:2:xtic(3) with @style title columnheader(1), \
         for [i=0:lines-1] datafile index i using 1:4 with points pt 2 ps 1.6 lw 2 \
             lc rgb "red" title (failed && i == 0 ? failtitle : "")
  } else {
    plot for [i=0:lines-1] datafile index i using 1:2 with @style title columnheader(1), \
         for [i=0:lines-1] datafile index i using 1:4 with points pt 2 ps 1.6 lw 2 \
             lc rgb "red" title (failed && i == 0 ? failtitle : "")
  }
  unset output
}
