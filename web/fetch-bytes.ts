/** Downloads a file with progress; every failure becomes a message that names the URL and the cause. */
export type Progress = (loaded: number, total: number | undefined) => void;

export type Fetched = { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly error: string };

export const fetchBytes = async (url: string, onProgress: Progress): Promise<Fetched> => {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    return { ok: false, error: `could not fetch ${url}: ${e instanceof Error ? e.message : String(e)} (is the address right and the server running?)` };
  }
  if (!res.ok) {
    const hint = res.status === 404 ? ' (no file there: build the page with the model, or pass its address)' : '';
    return { ok: false, error: `could not fetch ${url}: HTTP ${res.status} ${res.statusText}${hint}` };
  }
  const header = Number(res.headers.get('content-length'));
  // a compressed response's length is not the body's: then the total is unknown
  const total = Number.isFinite(header) && header > 0 && !res.headers.get('content-encoding') ? header : undefined;
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  try {
    const reader = res.body?.getReader();
    if (!reader) {
      const bytes = new Uint8Array(await res.arrayBuffer());
      onProgress(bytes.length, bytes.length);
      return { ok: true, bytes };
    }
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.length;
      onProgress(loaded, total);
    }
  } catch (e) {
    return { ok: false, error: `the download of ${url} broke off after ${loaded} bytes: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (total !== undefined && loaded !== total) return { ok: false, error: `the download of ${url} is incomplete: ${loaded} of ${total} bytes` };
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  onProgress(loaded, loaded);
  return { ok: true, bytes };
};
