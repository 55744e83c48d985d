/** The fake fine-tuning servers' own strictness: bodies the real APIs would refuse are refused and recorded. */
import { FakeOpenAI } from './fake-openai';
import { FakeTogether } from './fake-together';

const GOOD_LINE = JSON.stringify({
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello.' },
  ],
});

function form(fields: Record<string, string>, file?: { name: string; content: string }): FormData {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  if (file) body.append('file', new Blob([file.content]), file.name);
  return body;
}

describe('fake OpenAI fine-tuning', () => {
  let fake: FakeOpenAI;
  beforeEach(async () => {
    fake = await FakeOpenAI.start();
  });
  afterEach(async () => {
    await fake.close();
  });

  it('refuses a training file with a line off the chat format, naming the line', async () => {
    const bad = `${GOOD_LINE}\n${JSON.stringify({
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: '' },
      ],
    })}\n`;
    const res = await fetch(`${fake.baseUrl}/files`, { method: 'POST', body: form({ purpose: 'fine-tune' }, { name: 't.jsonl', content: bad }) });
    expect(res.status).toBe(400);
    expect(fake.takeViolations().flatMap((v) => v.problems)).toEqual(['line 2 message 2: empty content']);
    expect(fake.fineTuning.files.size).toBe(0);
  });

  it('refuses a job with an unknown field or a file never uploaded', async () => {
    const post = (body: unknown) =>
      fetch(`${fake.baseUrl}/fine_tuning/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ model: 'gpt-4o-mini', training_file: 'file-x', epochs: 3 })).status).toBe(400);
    expect((await post({ model: 'gpt-4o-mini', training_file: 'file-nope' })).status).toBe(400);
    const problems = fake.takeViolations().map((v) => v.problems.join('; '));
    expect(problems[0]).toMatch(/unevaluatedProperties|must NOT have unevaluated properties/);
    expect(problems[1]).toBe('training_file: no file file-nope uploaded with purpose fine-tune');
    expect(fake.fineTuning.jobs.size).toBe(0);
  });
});

describe('fake Together', () => {
  let fake: FakeTogether;
  beforeEach(async () => {
    fake = await FakeTogether.start();
  });
  afterEach(async () => {
    await fake.close();
  });
  const auth = () => ({ authorization: `Bearer ${fake.apiKey}` });

  it('needs the API key', async () => {
    expect((await fetch(`${fake.baseUrl}/fine-tunes/ft-1`)).status).toBe(401);
  });

  it('refuses an upload without file_name or purpose fine-tune, and a job with a field the reference does not list', async () => {
    const upload = await fetch(`${fake.baseUrl}/files/upload`, {
      method: 'POST',
      headers: auth(),
      body: form({ purpose: 'batch' }, { name: 't.jsonl', content: `${GOOD_LINE}\n` }),
    });
    expect(upload.status).toBe(400);
    const job = await fetch(`${fake.baseUrl}/fine-tunes`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', training_file: 'file-x', metadata: {} }),
    });
    expect(job.status).toBe(400);
    expect(fake.violations.map((v) => v.problems)).toEqual([
      ['file_name: required', 'purpose: must be fine-tune'],
      ['unknown field metadata', 'training_file: required, an uploaded file id'],
    ]);
    expect(fake.jobs.jobs.size).toBe(0);
  });

  it('moves a job on under test control and serves its model once it succeeded', async () => {
    const uploaded = (await (
      await fetch(`${fake.baseUrl}/files/upload`, {
        method: 'POST',
        headers: auth(),
        body: form({ purpose: 'fine-tune', file_name: 't.jsonl' }, { name: 't.jsonl', content: `${GOOD_LINE}\n` }),
      })
    ).json()) as { id: string };
    const created = (await (
      await fetch(`${fake.baseUrl}/fine-tunes`, {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'meta-llama/Llama-3-8b', training_file: uploaded.id, n_epochs: 2, suffix: 'cw' }),
      })
    ).json()) as { id: string; status: string };
    expect(created.status).toBe('pending');
    const statuses: string[] = [];
    for (let i = 0; i < 3; i++) {
      fake.jobs.advance(created.id);
      statuses.push(((await (await fetch(`${fake.baseUrl}/fine-tunes/${created.id}`, { headers: auth() })).json()) as { status: string }).status);
    }
    expect(statuses).toEqual(['queued', 'running', 'completed']);
    const model = fake.jobs.only().fineTunedModel ?? '';
    const chat = await fetch(`${fake.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    expect(((await chat.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toBe('Hello.');
    fake.assertNoViolations();
  });
});
