/**
 * The two charts, drawn with ECharts (SVG renderer, so labels are in the DOM): the spot × vol
 * heatmap with the cell that set the margin marked "worst", P&L against spot today and at
 * expiry with the liquidation prices, the breakevens and today's spot as vertical lines, and
 * the stored margin history. Data arrive from the API as is; a redraw reuses the chart.
 */
import * as echarts from 'echarts/core';
import { HeatmapChart, LineChart } from 'echarts/charts';
import {
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  MarkPointComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import { money } from './format.ts';

echarts.use([
  HeatmapChart,
  LineChart,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  MarkPointComponent,
  TooltipComponent,
  VisualMapComponent,
  SVGRenderer,
]);

/** A risk-matrix grid as /v1/risk-matrix returns it. */
export interface Grid {
  underlying: string;
  currency: string;
  spotMoves: number[];
  volStates: string[];
  pnl: (number | null)[][];
  worst: { move: number; vol: string; pnl: number; id: string } | null;
}

const axisText = { color: '#8a96a3' };

/** Draws the heatmap of `g` into `el`. */
export function drawHeatmap(el: HTMLElement, g: Grid): echarts.ECharts {
  const chart = echarts.getInstanceByDom(el) ?? echarts.init(el, null, { renderer: 'svg' });
  const data: [number, number, number][] = [];
  g.pnl.forEach((row, v) => row.forEach((x, m) => x !== null && data.push([m, v, x])));
  const values = data.map((d) => d[2]);
  const lim = Math.max(1e-12, ...values.map(Math.abs));
  const wx = g.worst ? g.spotMoves.indexOf(g.worst.move) : -1;
  const wy = g.worst ? g.volStates.indexOf(g.worst.vol) : -1;
  chart.setOption(
    {
      tooltip: {
        formatter: (p: { value: number[] }) => `P&L ${p.value[2]!.toPrecision(6)} ${g.currency}`,
      },
      grid: { left: 70, right: 20, top: 20, bottom: 80 },
      xAxis: {
        type: 'category',
        name: `${g.underlying} spot move`,
        nameLocation: 'middle',
        nameGap: 28,
        data: g.spotMoves.map((m) => `${m > 0 ? '+' : ''}${(m * 100).toFixed(1)}%`),
        axisLabel: axisText,
      },
      yAxis: { type: 'category', name: 'vol', data: g.volStates, axisLabel: axisText },
      visualMap: {
        min: -lim,
        max: lim,
        calculable: false,
        orient: 'horizontal',
        left: 'center',
        bottom: 0,
        inRange: { color: ['#d7303b', '#2a3440', '#27a55f'] },
        textStyle: axisText,
      },
      series: [
        {
          type: 'heatmap',
          data,
          label: {
            show: true,
            color: '#fff',
            fontSize: 10,
            formatter: (p: { value: number[] }) => p.value[2]!.toFixed(4),
          },
          markPoint:
            wx >= 0 && wy >= 0
              ? {
                  symbol: 'rect',
                  symbolSize: [46, 30],
                  itemStyle: { color: 'rgba(0,0,0,0)', borderColor: '#ffd24d', borderWidth: 3 },
                  label: {
                    show: true,
                    formatter: 'worst',
                    position: 'top',
                    color: '#ffd24d',
                    fontWeight: 'bold',
                  },
                  data: [{ name: 'worst', coord: [wx, wy] }],
                }
              : undefined,
        },
      ],
    },
    true,
  );
  return chart;
}

/** Lines drawn on the P&L chart: today's spot, the liquidation prices, the breakevens. */
function pnlMarks(index: number, liquidation: number[], breakevens: number[]) {
  return [
    {
      xAxis: index,
      name: 'spot',
      lineStyle: { color: '#8a96a3', type: 'dotted' },
      label: { formatter: `spot ${money(index)}`, color: '#8a96a3' },
    },
    ...liquidation.map((x) => ({
      xAxis: x,
      name: 'liquidation',
      lineStyle: { color: '#ff5d5d', type: 'dashed', width: 2 },
      label: { formatter: `liquidation ${money(x)}`, color: '#ff5d5d' },
    })),
    ...breakevens.map((x) => ({
      xAxis: x,
      name: 'breakeven',
      lineStyle: { color: '#ffd24d', type: 'dashed', width: 1 },
      label: { formatter: `breakeven ${money(x)}`, color: '#ffd24d', position: 'insideEndTop' },
    })),
  ];
}

/**
 * Draws P&L (USD) against spot today and at the first expiry, with vertical lines at today's
 * spot, the liquidation prices and the expiry breakevens.
 */
export function drawPnl(
  el: HTMLElement,
  underlying: string,
  index: number,
  points: { spot: number; pnlUsd: number }[],
  liquidation: number[],
  expiry: {
    label: string;
    points: { spot: number; pnlUsd: number }[];
    breakevens: number[];
  } | null,
): echarts.ECharts {
  const chart = echarts.getInstanceByDom(el) ?? echarts.init(el, null, { renderer: 'svg' });
  chart.setOption(
    {
      tooltip: { trigger: 'axis' },
      legend: { top: 0, textStyle: axisText },
      grid: { left: 80, right: 30, top: 30, bottom: 40 },
      xAxis: { type: 'value', name: `${underlying} USD`, scale: true, axisLabel: axisText },
      yAxis: {
        type: 'value',
        name: 'P&L USD',
        axisLabel: { ...axisText, formatter: (x: number) => money(x) },
      },
      series: [
        {
          type: 'line',
          name: 'P&L today',
          showSymbol: false,
          data: points.map((p) => [p.spot, p.pnlUsd]),
          lineStyle: { color: '#4fa3ff', width: 2 },
          itemStyle: { color: '#4fa3ff' },
          markLine: {
            symbol: 'none',
            data: pnlMarks(index, liquidation, expiry?.breakevens ?? []),
          },
        },
        ...(expiry
          ? [
              {
                type: 'line',
                name: expiry.label,
                showSymbol: false,
                data: expiry.points.map((p) => [p.spot, p.pnlUsd]),
                lineStyle: { color: '#c58cff', width: 2, type: 'solid' },
                itemStyle: { color: '#c58cff' },
              },
            ]
          : []),
      ],
    },
    true,
  );
  return chart;
}

/** Draws stored IM and MM (USD) over time. */
export function drawHistory(
  el: HTMLElement,
  rows: { computed: string; initialMarginUsd: number; maintenanceMarginUsd: number }[],
): echarts.ECharts {
  const chart = echarts.getInstanceByDom(el) ?? echarts.init(el, null, { renderer: 'svg' });
  chart.setOption({
    tooltip: { trigger: 'axis' },
    grid: { left: 80, right: 20, top: 20, bottom: 40 },
    xAxis: { type: 'time', axisLabel: axisText },
    yAxis: {
      type: 'value',
      name: 'USD',
      axisLabel: { ...axisText, formatter: (x: number) => money(x) },
    },
    series: [
      {
        type: 'line',
        name: 'IM',
        data: rows.map((r) => [r.computed, r.initialMarginUsd]),
        lineStyle: { color: '#4fa3ff' },
      },
      {
        type: 'line',
        name: 'MM',
        data: rows.map((r) => [r.computed, r.maintenanceMarginUsd]),
        lineStyle: { color: '#ffb84d' },
      },
    ],
  });
  return chart;
}
