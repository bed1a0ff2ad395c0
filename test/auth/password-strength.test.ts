import { MIN_PASSWORD_LENGTH, MIN_PASSWORD_SCORE, passwordProblem } from '../../src/auth/password-strength';
import { strongPassword } from '../support/passwords';

describe('the password strength rule', () => {
  it('is 12 characters and a zxcvbn score of 3', () => {
    expect([MIN_PASSWORD_LENGTH, MIN_PASSWORD_SCORE]).toEqual([12, 3]);
  });

  it('refuses short and guessable passwords, naming the field and the rule and passing on the advice', () => {
    expect(passwordProblem('password', '12345678')).toBe('password: must be at least 12 characters long');
    expect(passwordProblem('password', 'password')).toBe('password: must be at least 12 characters long');
    expect(passwordProblem('password', 'correcthorse')).toBe('password: too easy to guess (strength 1 of 4, at least 3 needed). Add more words that are less common.');
    expect(passwordProblem('password', '123456789012')).toBe('password: too easy to guess (strength 1 of 4, at least 3 needed). This is a commonly used password. Add more words that are less common.');
    // Characters, not UTF-16 units: eleven emoji are eleven characters.
    expect(passwordProblem('password', '🔒'.repeat(11))).toBe('password: must be at least 12 characters long');
  });

  it('accepts passphrases and random strings', () => {
    for (const good of [strongPassword(), 'correct horse battery staple', 'kV9#pL2m!qZ7wX']) expect(passwordProblem('password', good)).toBeNull();
  });

  it("counts the account's own words against it", () => {
    expect(passwordProblem('password', 'ada.lovelace@example.com')).toBeNull();
    expect(passwordProblem('password', 'ada.lovelace@example.com', ['ada.lovelace@example.com', 'Ada Lovelace'])).toBe(
      'password: too easy to guess (strength 0 of 4, at least 3 needed). There should not be any personal or page related data. Add more words that are less common.',
    );
  });

  it('never quotes the password, and estimates a long one in tens of milliseconds', () => {
    const long = 'p@ssw0rd'.repeat(128);
    const started = performance.now();
    const problem = passwordProblem('password', long)!;
    const elapsed = performance.now() - started;
    expect(problem).toMatch(/^password: too easy to guess/);
    expect(problem).not.toContain('p@ss');
    // The library's defaults took seconds for this input.
    expect(elapsed).toBeLessThan(1000);
  });
});
