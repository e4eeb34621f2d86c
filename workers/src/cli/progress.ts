/**
 * Progress for long CLI operations: a bar redrawn in place in a terminal, plain log lines otherwise
 * (CI logs, systemd journal).
 */
export function progressReporter(label: string, stream: NodeJS.WriteStream = process.stderr) {
  const started = Date.now();
  let lastLine = 0;
  let lastDecile = -1;
  return {
    update(done: number, total: number, detail = '') {
      const fraction = total > 0 ? Math.min(1, done / total) : 0;
      const elapsed = (Date.now() - started) / 1000;
      const eta = done > 0 && done < total ? Math.round((elapsed / done) * (total - done)) : 0;
      if (stream.isTTY) {
        if (Date.now() - lastLine < 100 && done < total) return;
        lastLine = Date.now();
        const width = 30;
        const filled = Math.round(fraction * width);
        stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(fraction * 100)} % ${done}/${total}${eta ? ` — reste ~${eta} s` : ''} ${detail}`.padEnd(100).slice(0, 120));
        if (done >= total) stream.write('\n');
      } else {
        const decile = Math.floor(fraction * 10);
        if (decile === lastDecile && done < total) return;
        lastDecile = decile;
        stream.write(`${label}: ${Math.round(fraction * 100)} % (${done}/${total})${eta ? `, reste ~${eta} s` : ''} ${detail}\n`);
      }
    },
  };
}
