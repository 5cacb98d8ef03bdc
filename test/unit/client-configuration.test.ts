import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { ApiClientConfiguration, ApiValueError } from "../../src/index.js";

const secret = "s3cr3t-key-value";

describe("ApiClientConfiguration", () => {
  afterEach(() => ApiClientConfiguration.setDefault(undefined));

  it("builds auth settings of every kind from the options", () => {
    const c = new ApiClientConfiguration({
      apiKey: { "x-api-key": "k1", other: "k2" },
      apiKeyPrefix: { other: "Token" },
      username: "ann",
      password: "pw",
      accessToken: "tok",
    });
    expect(c.getApiKeyWithPrefix("x-api-key")).toBe("k1");
    expect(c.getApiKeyWithPrefix("other")).toBe("Token k2");
    expect(c.getApiKeyWithPrefix("missing", "x-api-key")).toBe("k1");
    expect(c.getApiKeyWithPrefix("missing")).toBeUndefined();
    expect(c.getBasicAuthToken()).toBe(`Basic ${Buffer.from("ann:pw").toString("base64")}`);
    expect(c.authSettings()).toEqual({
      "x-api-key": { type: "api_key", in: "header", key: "x-api-key", value: "k1" },
      other: { type: "api_key", in: "header", key: "other", value: "Token k2" },
      basicAuth: {
        type: "basic",
        in: "header",
        key: "Authorization",
        value: c.getBasicAuthToken(),
      },
      bearerAuth: { type: "bearer", in: "header", key: "Authorization", value: "Bearer tok" },
    });
  });

  it("has no credentials and sensible defaults when given nothing", () => {
    const c = new ApiClientConfiguration();
    expect(c.authSettings()).toEqual({});
    expect(c.getBasicAuthToken()).toBeUndefined();
    expect(c.host).toBe("http://localhost");
    expect(c.retries).toBe(3);
    expect(c.verifySsl).toBe(true);
  });

  it("fills host templates and checks enum variables", () => {
    const c = new ApiClientConfiguration({
      host: "http://h/",
      servers: [
        {
          url: "https://{region}.example.com/{base}",
          variables: {
            region: { defaultValue: "eu", enumValues: ["eu", "us"] },
            base: { defaultValue: "v1" },
          },
        },
      ],
    });
    expect(c.host).toBe("http://h");
    expect(c.getHostFromSettings(undefined)).toBe("http://h");
    expect(c.getHostFromSettings(0)).toBe("https://eu.example.com/v1");
    expect(c.getHostFromSettings(0, { region: "us", base: "v2" })).toBe(
      "https://us.example.com/v2",
    );
    expect(() => c.getHostFromSettings(0, { region: "mars" })).toThrow(/region.*eu, us/);
    expect(() => c.getHostFromSettings(3)).toThrow(ApiValueError);
    const us = c.withOptions({ serverIndex: 0, serverVariables: { region: "us" } });
    expect(us.host).toBe("https://us.example.com/v1");
    expect(us.getHostSettings()).toHaveLength(1);
    expect(c.host).toBe("http://h");
    expect(us.withOptions({ host: "http://other/" }).host).toBe("http://other");
  });

  it("rejects bad retries and timeouts with errors that name the option", () => {
    expect(() => new ApiClientConfiguration({ retries: -1 })).toThrow(/retries/);
    expect(() => new ApiClientConfiguration({ timeout: 0 })).toThrow(/timeout/);
    expect(() => new ApiClientConfiguration({ timeout: { connect: -5 } })).toThrow(/timeout/);
    expect(new ApiClientConfiguration({ timeout: { connect: 5, read: 10 } }).timeout).toEqual({
      connect: 5,
      read: 10,
    });
  });

  it("checks the options of withOptions as the constructor does, and keeps copies", () => {
    const c = new ApiClientConfiguration();
    expect(() => c.withOptions({ retries: -1 })).toThrow(/retries/);
    expect(c.retries).toBe(3);
    const keys = { "x-api-key": "k" };
    const keyed = c.withOptions({ apiKey: keys, retries: 1 });
    keys["x-api-key"] = "changed";
    expect(keyed.getApiKeyWithPrefix("x-api-key")).toBe("k");
    expect([keyed.retries, c.retries]).toEqual([1, 3]);
    expect(c.getApiKeyWithPrefix("x-api-key")).toBeUndefined();
    const servers = [{ url: "http://a" }];
    const d = new ApiClientConfiguration({ servers });
    servers.push({ url: "http://b" });
    expect(d.servers).toHaveLength(1);
    expect(new ApiClientConfiguration().servers).toEqual([]);
  });

  it("is frozen: fields cannot be set, and credentials are no own property to copy", () => {
    const c = new ApiClientConfiguration({
      apiKey: { "x-api-key": secret },
      password: `${secret}-pw`,
      accessToken: `${secret}-tok`,
      proxy: `http://u:${secret}@127.0.0.1:3128`,
      proxyHeaders: { "Proxy-Authorization": secret },
      limits: { maxRedirects: 1 },
    });
    expect(Object.isFrozen(c)).toBe(true);
    expect(() => {
      (c as { retries: number }).retries = 5;
    }).toThrow(TypeError);
    expect(() => {
      (c.apiKey as Record<string, string>)["x-api-key"] = "other";
    }).toThrow(TypeError);
    expect(() => {
      (c.limits as { maxRedirects: number }).maxRedirects = 9;
    }).toThrow(TypeError);
    expect(JSON.stringify({ ...c })).not.toContain(secret);
    expect(Object.keys(c)).not.toContain("apiKey");
    expect(c.accessToken).toBe(`${secret}-tok`);
  });

  it("rejects unknown keys of a { connect, read } timeout and a flag that is not a boolean", () => {
    expect(
      () => new ApiClientConfiguration({ timeout: { connect: 1, write: 2 } as never }),
    ).toThrow(/timeout/);
    expect(() => new ApiClientConfiguration({ verifySsl: "no" as never })).toThrow(/verifySsl/);
  });

  it("keeps the default that getDefault returns until it is cleared", () => {
    ApiClientConfiguration.setDefault(new ApiClientConfiguration({ host: "http://d", retries: 1 }));
    const a = ApiClientConfiguration.getDefault();
    const b = ApiClientConfiguration.getDefault();
    expect(a.host).toBe("http://d");
    expect(a.retries).toBe(1);
    expect(b.retries).toBe(1);
    ApiClientConfiguration.setDefault(undefined);
    expect(ApiClientConfiguration.getDefault().host).toBe("http://localhost");
  });

  it("never shows credentials when printed, serialised or reported", () => {
    const c = new ApiClientConfiguration({
      host: "http://h",
      apiKey: { "x-api-key": secret },
      username: "ann",
      password: `${secret}-pw`,
      accessToken: `${secret}-tok`,
      proxy: `http://user:${secret}-proxy@127.0.0.1:3128`,
      proxyHeaders: { "Proxy-Authorization": `${secret}-ph` },
    });
    const shown = [
      inspect(c),
      JSON.stringify(c),
      String(c.toDebugReport()),
      inspect(c, { showHidden: true }),
    ];
    for (const text of shown) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(c.getBasicAuthToken()?.slice(6));
    }
    expect(c.toDebugReport()).toMatch(/api key "x-api-key".*basic.*bearer token/);
    expect(c.toDebugReport()).toContain("ACP version: 0.2.3");
    expect(c.redact(`a ${secret} b`)).toBe("a <redacted> b");
    expect(c.copy().apiKey).toEqual({ "x-api-key": secret });
  });
});

describe("ApiClientConfiguration.fromEnvPrefix", () => {
  it("reads every variable", () => {
    const c = ApiClientConfiguration.fromEnvPrefix(
      "MY_",
      {},
      {
        MY_HOST: "http://env-host:1",
        MY_API_KEY: '{"x-api-key":"k"}',
        MY_API_KEY_PREFIX: '{"x-api-key":"Key"}',
        MY_USERNAME: "u",
        MY_PASSWORD: "p",
        MY_ACCESS_TOKEN: "t",
        MY_SERVER_VARIABLES: '{"region":"us"}',
        MY_SSL_CA_CERT: "ca.pem",
        MY_CA_CERT_DATA: "-----BEGIN CERTIFICATE-----",
        MY_RETRIES: "4",
        MY_TIMEOUT: "2500",
        MY_DEBUG: "true",
        MY_LIMITS: '{"maxResponseBytes": 1024, "maxRedirects": 0, "deadline": "Infinity"}',
        MY_CROSS_ORIGIN_REDIRECTS: "strip-credentials",
      },
    );
    expect(c.host).toBe("http://env-host:1");
    expect(c.getApiKeyWithPrefix("x-api-key")).toBe("Key k");
    expect([c.username, c.password, c.accessToken]).toEqual(["u", "p", "t"]);
    expect(c.serverVariables).toEqual({ region: "us" });
    expect([c.sslCaCert, c.caCertData]).toEqual(["ca.pem", "-----BEGIN CERTIFICATE-----"]);
    expect([c.retries, c.timeout, c.debug]).toEqual([4, 2500, true]);
    expect(c.limits).toMatchObject({
      maxResponseBytes: 1024,
      maxRedirects: 0,
      deadline: Number.POSITIVE_INFINITY,
      maxSseFrameBytes: 16 * 1024 * 1024,
    });
    expect(c.crossOriginRedirects).toBe("strip-credentials");
  });

  it("takes ENDPOINT when HOST is unset, a connect/read timeout, and lets overrides win", () => {
    const env = {
      X_ENDPOINT: "http://endpoint",
      X_TIMEOUT: '{"connect":100,"read":200}',
      X_RETRIES: "1",
    };
    const c = ApiClientConfiguration.fromEnvPrefix("X_", { retries: 0, host: undefined }, env);
    expect(c.host).toBe("http://endpoint");
    expect(c.timeout).toEqual({ connect: 100, read: 200 });
    expect(c.retries).toBe(0);
  });

  it("reads process.env by default", () => {
    process.env.ACPTEST_HOST = "http://from-process";
    try {
      expect(ApiClientConfiguration.fromEnvPrefix("ACPTEST_").host).toBe("http://from-process");
    } finally {
      delete process.env.ACPTEST_HOST;
    }
  });

  it("checks variables as the constructor checks the options, naming the variable and the option", () => {
    const read = (env: Record<string, string>) => {
      try {
        ApiClientConfiguration.fromEnvPrefix("MY_", {}, env);
      } catch (error) {
        return (error as Error).message;
      }
      return "accepted";
    };
    expect(read({ MY_RETRIES: "-1" })).toBe(
      'environment variable MY_RETRIES ("-1") is wrong: retries must be a whole number >= 0, got -1 (at retries) (at MY_RETRIES)',
    );
    expect(read({ MY_TIMEOUT: '{"connect":1,"write":2}' })).toMatch(
      /^environment variable MY_TIMEOUT .* is wrong: timeout must be/,
    );
    expect(read({ MY_LIMITS: '{"maxRedirects": 1.5}' })).toMatch(
      /^environment variable MY_LIMITS .* is wrong: limits\.maxRedirects must be a whole number/,
    );
    expect(read({ MY_RETRIES: "-1" })).toBe(
      (() => {
        try {
          new ApiClientConfiguration({ retries: -1 });
        } catch (error) {
          return `environment variable MY_RETRIES ("-1") is wrong: ${(error as Error).message} (at MY_RETRIES)`;
        }
      })(),
    );
  });

  it.each([
    ["MY_API_KEY", `not json ${secret}`],
    ["MY_API_KEY", `["${secret}"]`],
    ["MY_API_KEY", `{"x-api-key": 5}`],
    ["MY_API_KEY_PREFIX", "nope"],
    ["MY_SERVER_VARIABLES", "[1]"],
    ["MY_RETRIES", "two"],
    ["MY_RETRIES", "-1"],
    ["MY_TIMEOUT", "soon"],
    ["MY_TIMEOUT", '{"connect":-1}'],
    ["MY_DEBUG", "maybe"],
    ["MY_LIMITS", "{maxResponseBytes: 1}"],
    ["MY_LIMITS", "[1]"],
    ["MY_LIMITS", '{"maxResponseBytes": -1}'],
    ["MY_LIMITS", '{"maxResponsBytes": 1}'],
    ["MY_CROSS_ORIGIN_REDIRECTS", "follow"],
  ])("names %s when its value is bad, without echoing secrets", (name, value) => {
    let error: unknown;
    try {
      ApiClientConfiguration.fromEnvPrefix("MY_", {}, { [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiValueError);
    const message = (error as Error).message;
    expect(message).toContain(name);
    expect(message).not.toContain(secret);
  });
});
