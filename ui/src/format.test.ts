import { findingPlace, formatMonth, formatTime, stateLabel } from "./format";
import { setLanguage } from "./i18n";

describe("format", () => {
  beforeEach(() => setLanguage("ja"));

  it("names the receipt state in Japanese and English", () => {
    expect(stateLabel("acknowledged")).toBe("相手受信確認済み");
    setLanguage("en");
    expect(stateLabel("acknowledged")).toBe("Receipt confirmed");
  });

  it("names a received file's receipt as ours, not the partner's", () => {
    expect(stateLabel("acknowledged", "received")).toBe("受信確認を返送済み");
    expect(stateLabel("saved", "received")).toBe("受信・保存済み");
  });

  it("shows times in Japan time", () => {
    // 2026-11-30T15:00:00Z is 2026-12-01 00:00 in Japan.
    expect(formatTime(Date.UTC(2026, 10, 30, 15, 0, 0) / 1000)).toBe("2026-12-01 00:00");
  });

  it("shows the plan unit month as 計画書", () => {
    expect(formatMonth("000000")).toBe("計画書");
    expect(formatMonth("202612")).toBe("2026年12月");
  });

  it("places a finding by line and item", () => {
    expect(findingPlace({ line: 3, column: 10, column_name: "サービス利用日" })).toBe(
      "3行目 No.10「サービス利用日」",
    );
    expect(findingPlace({ line: null, column: null, column_name: null })).toBe("");
  });
});
