import { validationDetails } from '../../src/http/validation-details';

const union = (issues: unknown[]) => `Could not match the union against any of the items. Issues: ${JSON.stringify(issues)}`;

/** tsoa's validation failures as `details`: one short line per field, never a union dump. */
describe('validation details', () => {
  it('names the field without its body prefix, with the value it got', () => {
    expect(validationDetails({ 'requestBody.schedule_config.timezone': { message: "'timezone' is required" } })).toEqual(["schedule_config.timezone: 'timezone' is required"]);
    expect(validationDetails({ 'body.timeout_seconds': { message: 'invalid integer number', value: 'soon' } })).toEqual(['timeout_seconds: invalid integer number (got "soon")']);
  });

  it('answers a union with the issues of the member that came closest, not the null of T | null', () => {
    const details = validationDetails({
      'requestBody.alert_emails': {
        message: union([
          { 'requestBody.alert_emails': { message: 'invalid string value', value: 5 } },
          { 'requestBody.alert_emails': { message: 'should be one of the following; [null]', value: 5 } },
        ]),
        value: 5,
      },
    });
    expect(details).toEqual(['alert_emails: invalid string value (got 5)']);
    const body = validationDetails({
      requestBody: {
        message: union([{ 'requestBody.message': { message: "'message' is required" } }, { 'requestBody.lines': { message: "'lines' is required" }, 'requestBody.level': { message: 'excess' } }]),
        value: { level: 'info' },
      },
    });
    expect(body).toEqual(["message: 'message' is required"]);
  });

  it('cuts long values short', () => {
    const [detail] = validationDetails({ 'requestBody.name': { message: 'invalid string value', value: ['x'.repeat(500)] } });
    expect(detail!.length).toBeLessThan(120);
  });
});
