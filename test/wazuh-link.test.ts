import { describe, expect, it } from 'vitest';
import { risonString, wazuhAgentOf, wazuhDeepLink } from '../src/services/assist/wazuh-link.ts';

const BASE = 'https://wazuh.itecnologys.com';
const d = (s: string) => new Date(s);

/** The rison value of one hash parameter, decoded the way the dashboards read it. */
function hashParam(url: string, name: string): string {
  const hash = new URL(url).hash; // '#/overview/?tab=…'
  const query = hash.slice(hash.indexOf('?') + 1);
  const value = new URLSearchParams(query).get(name);
  if (value === null) throw new Error(`no ${name} in ${url}`);
  return value;
}

/** Reads back the rison single-quoted strings of a value (enough to check the escaping). */
function risonStrings(rison: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < rison.length; i++) {
    if (rison[i] !== "'") continue;
    let s = '';
    for (i++; i < rison.length && rison[i] !== "'"; i++) {
      if (rison[i] === '!') {
        i++;
        if (rison[i] !== '!' && rison[i] !== "'") throw new Error(`bad rison escape !${rison[i]}`);
      }
      s += rison[i];
    }
    out.push(s);
  }
  return out;
}

describe('wazuhDeepLink', () => {
  it('spans earliest event − 1 h to latest event + 1 h, in UTC with Z', () => {
    const link = wazuhDeepLink({
      baseUrl: BASE,
      agent: 'vm112-mail',
      eventTimes: [d('2026-06-16T10:05:00Z'), d('2026-06-16T10:00:00Z'), d('2026-06-16T09:58:30-03:00')],
    });
    expect(link).not.toBeNull();
    expect(link!.agent).toBe('vm112-mail');
    expect(link!.from).toBe('2026-06-16T09:00:00Z');
    expect(link!.to).toBe('2026-06-16T13:58:30Z'); // 09:58:30-03:00 is 12:58:30Z, the latest
  });

  it('matches the contract example for a single event and builds the threat-hunting URL', () => {
    const link = wazuhDeepLink({ baseUrl: `${BASE}/`, agent: 'vm112-mail', eventTimes: [d('2026-06-16T10:00:00Z')] })!;
    expect(link).toMatchObject({ agent: 'vm112-mail', from: '2026-06-16T09:00:00Z', to: '2026-06-16T11:00:00Z' });
    expect(link.url.startsWith(`${BASE}/app/threat-hunting#/overview/?tab=general&tabView=events&_g=`)).toBe(true);
    expect(hashParam(link.url, '_g')).toBe(
      "(filters:!(),refreshInterval:(pause:!t,value:0),time:(from:'2026-06-16T09:00:00Z',to:'2026-06-16T11:00:00Z'))",
    );
    expect(hashParam(link.url, '_a')).toBe(
      "(filters:!(('$state':(store:appState),meta:(alias:!n,disabled:!f,index:'wazuh-alerts-*',key:agent.name,negate:!f," +
        "params:(query:'vm112-mail'),type:phrase),query:(match_phrase:(agent.name:'vm112-mail')))),query:(language:kuery,query:''))",
    );
  });

  it('widens to whole seconds and honours a custom margin', () => {
    const link = wazuhDeepLink({
      baseUrl: BASE,
      agent: 'a',
      eventTimes: [d('2026-06-16T10:00:00.750Z'), d('2026-06-16T10:30:00.250Z')],
      marginMs: 15 * 60 * 1000,
    })!;
    expect(link.from).toBe('2026-06-16T09:45:00Z');
    expect(link.to).toBe('2026-06-16T10:45:01Z');
    const zero = wazuhDeepLink({ baseUrl: BASE, agent: 'a', eventTimes: [d('2026-06-16T10:00:00Z')], marginMs: 0 })!;
    expect([zero.from, zero.to]).toEqual(['2026-06-16T10:00:00Z', '2026-06-16T10:00:00Z']);
    const negative = wazuhDeepLink({ baseUrl: BASE, agent: 'a', eventTimes: [d('2026-06-16T10:00:00Z')], marginMs: -5 })!;
    expect(negative.from).toBe('2026-06-16T09:00:00Z'); // invalid margin → default
  });

  it('escapes hostile agent names for rison and the URL', () => {
    const hostile = "evil'),query:(match_all:()))&_g=(x)#frag !bang/é ñ";
    const link = wazuhDeepLink({ baseUrl: BASE, agent: hostile, eventTimes: [d('2026-06-16T10:00:00Z')] })!;
    expect(link.agent).toBe(hostile);
    // Nothing in the agent can start a new parameter or end the fragment.
    const hash = new URL(link.url).hash;
    const params = new URLSearchParams(hash.slice(hash.indexOf('?') + 1));
    expect([...params.keys()]).toEqual(['tab', 'tabView', '_g', '_a']);
    expect(link.url.split('#')).toHaveLength(2);
    expect(link.url).not.toMatch(/[ é]/);
    // The rison strings read back exactly the agent (twice: meta.params.query and match_phrase).
    const a = hashParam(link.url, '_a');
    expect(risonStrings(a).filter((s) => s === hostile)).toHaveLength(2);
    expect(a).toContain("'evil!'),query:(match_all:()))&_g=(x)#frag !!bang/é ñ'");
    // The time window is untouched by the agent.
    expect(hashParam(link.url, '_g')).toContain("time:(from:'2026-06-16T09:00:00Z',to:'2026-06-16T11:00:00Z')");
  });

  it('risonString escapes ! before \'', () => {
    expect(risonString("a'b!c")).toBe("'a!'b!!c'");
    expect(risonString("!'")).toBe("'!!!''");
    expect(risonString('')).toBe("''");
  });

  it('returns null without agent, base URL or event times', () => {
    const t = [d('2026-06-16T10:00:00Z')];
    expect(wazuhDeepLink({ baseUrl: BASE, agent: null, eventTimes: t })).toBeNull();
    expect(wazuhDeepLink({ baseUrl: BASE, agent: '  ', eventTimes: t })).toBeNull();
    expect(wazuhDeepLink({ baseUrl: null, agent: 'a', eventTimes: t })).toBeNull();
    expect(wazuhDeepLink({ baseUrl: '', agent: 'a', eventTimes: t })).toBeNull();
    expect(wazuhDeepLink({ baseUrl: 'javascript:alert(1)', agent: 'a', eventTimes: t })).toBeNull();
    expect(wazuhDeepLink({ baseUrl: 'not a url', agent: 'a', eventTimes: t })).toBeNull();
    expect(wazuhDeepLink({ baseUrl: BASE, agent: 'a', eventTimes: [] })).toBeNull();
    expect(wazuhDeepLink({ baseUrl: BASE, agent: 'a', eventTimes: [new Date(Number.NaN)] })).toBeNull();
    expect(wazuhDeepLink({ baseUrl: BASE, agent: 'a', eventTimes: [new Date(8.64e15)] })).toBeNull();
  });

  it('ignores invalid dates among valid ones and keeps a base path', () => {
    const link = wazuhDeepLink({
      baseUrl: 'https://ops.example.com/wazuh/',
      agent: 'vm112-mail',
      eventTimes: [new Date('garbage'), d('2026-06-16T10:00:00Z')],
    })!;
    expect(link.from).toBe('2026-06-16T09:00:00Z');
    expect(link.url.startsWith('https://ops.example.com/wazuh/app/threat-hunting#/overview/')).toBe(true);
  });
});

describe('wazuhAgentOf', () => {
  it('prefers the agent reported by wazuh', () => {
    expect(
      wazuhAgentOf([
        { tipo: 'domain', valor: 'myvexx.com', fonte: 'onboard' },
        { tipo: 'agent', valor: 'from-support', fonte: 'support' },
        { tipo: 'agent', valor: 'vm112-mail', fonte: 'wazuh' },
        { tipo: 'rule_id', valor: '5712', fonte: 'wazuh' },
      ]),
    ).toBe('vm112-mail');
  });

  it('falls back to any agent, skipping empty values', () => {
    expect(
      wazuhAgentOf([
        { tipo: 'agent', valor: '  ', fonte: 'wazuh' },
        { tipo: 'agent', valor: 'from-alertmanager', fonte: 'alertmanager' },
      ]),
    ).toBe('from-alertmanager');
    expect(wazuhAgentOf([{ tipo: 'Agent ', valor: ' x ', fonte: 'Wazuh' }])).toBe('x');
  });

  it('is null without agent observables', () => {
    expect(wazuhAgentOf([])).toBeNull();
    expect(wazuhAgentOf([{ tipo: 'domain', valor: 'myvexx.com', fonte: 'wazuh' }])).toBeNull();
  });
});
