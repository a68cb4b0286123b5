// Numbers shown under an answer, from Ollama's final stream object.
export interface GenStats {
  total_duration?: number; // nanoseconds
  prompt_eval_count?: number;
  prompt_eval_duration?: number;
  eval_count?: number;
  eval_duration?: number;
}

export function tokensPerSecond(count?: number, durationNs?: number): number | null {
  if (!count || !durationNs || durationNs <= 0) return null;
  return count / (durationNs / 1e9);
}

// Share of the context window the conversation used: prompt plus answer.
export function contextUse(stats: GenStats | undefined, numCtx: number): { used: number; ratio: number } | null {
  if (!stats || stats.prompt_eval_count === undefined || numCtx <= 0) return null;
  const used = (stats.prompt_eval_count ?? 0) + (stats.eval_count ?? 0);
  return { used, ratio: Math.min(1, used / numCtx) };
}

export function formatRate(rate: number | null): string {
  return rate === null ? '–' : rate >= 100 ? rate.toFixed(0) : rate.toFixed(1);
}
