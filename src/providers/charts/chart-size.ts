/** Width in pixels of every chart the bot draws (the spec builders share it, the renderer imports them). */
export const CHART_WIDTH = 640;
