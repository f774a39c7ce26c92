import { useEffect, useRef } from "preact/hooks"
import { init, use, type EChartsType } from "echarts/core"
import { BarChart, GraphChart, LineChart, PieChart } from "echarts/charts"
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from "echarts/components"
import { CanvasRenderer } from "echarts/renderers"

use([
  BarChart,
  GraphChart,
  LineChart,
  PieChart,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  CanvasRenderer
])

/** An ECharts chart that follows its option (set without merging, so removed series go away). */
export const Chart = ({
  option,
  height = 280,
  testId,
  onClick
}: {
  option: Record<string, unknown>
  height?: number
  testId?: string
  onClick?: (name: string) => void
}) => {
  const el = useRef<HTMLDivElement>(null)
  const chart = useRef<EChartsType | undefined>(undefined)
  useEffect(() => {
    chart.current = init(el.current!)
    const resize = () => chart.current?.resize()
    addEventListener("resize", resize)
    return () => {
      removeEventListener("resize", resize)
      chart.current?.dispose()
    }
  }, [])
  useEffect(() => {
    chart.current?.off("click")
    if (onClick) chart.current?.on("click", (p: any) => onClick(String(p.name)))
  }, [onClick])
  // The canvas keeps the size it had at init: a height set later (the DAG's, once loaded) needs a resize.
  useEffect(() => {
    chart.current?.resize()
  }, [height])
  useEffect(() => {
    chart.current?.setOption({ animation: false, ...option }, true)
  }, [option])
  return <div ref={el} class="chart" data-testid={testId} style={{ height: `${height}px` }} />
}
