import { useState } from 'react';

/** Copies text to the clipboard and says how it went ('yes', 'failed': the browser refused; null: not yet). */
export function useCopy(value: string): { copied: 'yes' | 'failed' | null; copy: () => Promise<void> } {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return { copied, copy };
}
