//! The engine: one worker's pipeline from raw packet to EVE record.
//!
//! For each packet: advance packet time (timeouts, stats intervals), decode,
//! account to a flow, and write the records of flows that ended. At the end
//! of input every open flow is flushed and a final `stats` record written,
//! so nothing is lost. [`run`] drives an engine from a [`PacketSource`].

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use thiserror::Error;

use crate::capture::{CaptureError, CaptureStats, PacketSource, Poll, RawPacket};
use crate::config::{Config, parse_utc_offset};
use crate::counters::{Counter, Counters};
use crate::decode::{ArpSighting, Decoder};
use crate::detect::{Alert, DetectError, DetectStage, DeviceSighting, SightingSource};
use crate::flow::{FlowEnd, FlowTable};
use crate::output::{EveRecord, JsonLines, SinkError};
use crate::proto::app::{AppLayer, FlowEvent};
use crate::time::Timestamp;

/// What stops a run.
#[derive(Debug, Error)]
pub enum RunError {
    #[error(transparent)]
    Capture(#[from] CaptureError),
    #[error(transparent)]
    Output(#[from] SinkError),
}

/// Flows ended per step when the table is flushed at the end.
const FLUSH_BATCH: usize = 4096;

/// One pipeline: decoder, flow table, outputs and counters.
pub struct Engine {
    utc_offset: i32,
    stats_interval: u64,
    write_flows: bool,
    decoder: Decoder,
    table: FlowTable,
    app: AppLayer,
    /// Transactions finished and not yet written.
    app_events: Vec<FlowEvent>,
    detect: DetectStage,
    /// Alerts raised and not yet written.
    alerts: Vec<Alert>,
    arp: Vec<ArpSighting>,
    /// Every counter of this engine.
    pub counters: Counters,
    eve: JsonLines,
    metrics: Option<JsonLines>,
    ended: Vec<FlowEnd>,
    first_ts: Option<Timestamp>,
    now: Timestamp,
    last_tick_s: u64,
    next_stats_s: u64,
    /// Records written, by `event_type`.
    pub events: BTreeMap<&'static str, u64>,
    /// Alerts written, by indicator.
    pub alerts_by_indicator: BTreeMap<String, u64>,
    /// Wall-clock instant of the last packet, to age flows while a live link is idle.
    last_packet_wall: Option<Instant>,
}

#[derive(Serialize)]
struct MetricsRecord<'a> {
    timestamp: String,
    counters: &'a serde_json::Map<String, serde_json::Value>,
}

impl Engine {
    /// An engine writing EVE to `eve` and kagami's metrics to `metrics`;
    /// fails when a detector cannot load its signatures, lists or state.
    pub fn new(
        cfg: &Config,
        eve: JsonLines,
        metrics: Option<JsonLines>,
    ) -> Result<Engine, DetectError> {
        Ok(Engine {
            utc_offset: parse_utc_offset(&cfg.output.utc_offset).unwrap_or(0),
            stats_interval: u64::from(cfg.output.stats_interval),
            write_flows: cfg.output.flow,
            decoder: Decoder::new(cfg),
            table: FlowTable::new(&cfg.flow),
            app: AppLayer::new(cfg),
            app_events: Vec::new(),
            detect: DetectStage::new(cfg)?,
            alerts: Vec::new(),
            arp: Vec::new(),
            counters: Counters::default(),
            eve,
            metrics,
            ended: Vec::new(),
            first_ts: None,
            now: Timestamp(0),
            last_tick_s: 0,
            next_stats_s: 0,
            events: BTreeMap::new(),
            alerts_by_indicator: BTreeMap::new(),
            last_packet_wall: None,
        })
    }

    /// The detector stage (its start-up notes, its signature table).
    pub fn detect(&self) -> &DetectStage {
        &self.detect
    }

    /// Adds a host detector beside the configured ones (see
    /// [`DetectStage::add_host_detector`]).
    pub fn add_host_detector(&mut self, d: Box<dyn crate::detect::HostDetector>) {
        self.detect.add_host_detector(d);
    }

    /// Warnings for the operator since the last call (a baseline not saved).
    pub fn take_warnings(&mut self) -> Vec<String> {
        self.detect.take_warnings()
    }

    /// Processes one packet.
    pub fn packet(&mut self, pkt: &RawPacket<'_>) -> Result<(), SinkError> {
        if self.first_ts.is_none() {
            self.first_ts = Some(pkt.ts);
            self.now = pkt.ts;
            self.last_tick_s = pkt.ts.secs();
            self.next_stats_s = pkt.ts.secs() + self.stats_interval;
        }
        // Packet time only moves forward: a capture with a timestamp that
        // jumps back does not un-expire flows.
        if pkt.ts > self.now {
            self.now = pkt.ts;
        }
        if self.now.secs() > self.last_tick_s {
            self.tick()?;
        }
        let Engine {
            decoder,
            table,
            app,
            app_events,
            detect,
            alerts,
            counters,
            ended,
            ..
        } = self;
        decoder.decode(pkt, counters, &mut |d, c| {
            if let Some((key, flow, dir)) = table.update(d, c, ended) {
                let before = app_events.len();
                let proto_before = flow.app.as_ref().and_then(|a| a.app_proto());
                app.packet(&key, flow, dir, d, c, app_events);
                let new = app_events.get(before..).unwrap_or(&[]);
                detect.packet(&key, flow, dir, d, proto_before, new, c, alerts);
            }
        });
        decoder.take_arp(&mut self.arp);
        for a in self.arp.drain(..) {
            self.detect.device(DeviceSighting {
                ts: a.ts,
                mac: a.mac,
                ip: Some(a.ip.into()),
                hostname: None,
                source: SightingSource::Arp,
            });
        }
        self.write_ended()
    }

    /// Advances time while a live source is idle, using the wall clock since
    /// the last packet (a quiet link still ages its flows).
    pub fn idle(&mut self) -> Result<(), SinkError> {
        if self.first_ts.is_none() {
            return Ok(());
        }
        let Some(wall) = self.last_packet_wall else {
            self.last_packet_wall = Some(Instant::now());
            return Ok(());
        };
        let elapsed = Instant::now().saturating_duration_since(wall);
        let now = Timestamp(
            self.now
                .0
                .saturating_add(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX)),
        );
        self.last_packet_wall = Some(Instant::now());
        self.now = now;
        if self.now.secs() > self.last_tick_s {
            self.tick()?;
        }
        Ok(())
    }

    /// Notes that a live packet arrived now (for [`Engine::idle`]).
    pub fn mark_live_packet(&mut self) {
        self.last_packet_wall = Some(Instant::now());
    }

    /// Copies a source's counters into the engine's.
    pub fn capture_stats(&mut self, s: &CaptureStats) {
        let c = &mut self.counters;
        c.set(Counter::CaptureKernelPackets, s.kernel_packets);
        c.set(Counter::CaptureKernelDrops, s.kernel_drops);
        c.set(Counter::CaptureKernelIfdrops, s.kernel_ifdrops);
        c.set(Counter::CaptureErrors, s.errors);
        c.set(Counter::KagamiCaptureFiles, s.files);
        c.set(Counter::KagamiCaptureTruncated, s.truncated);
    }

    fn tick(&mut self) -> Result<(), SinkError> {
        let now = self.now;
        self.last_tick_s = now.secs();
        self.decoder.tick(now, &mut self.counters);
        self.table.tick(now, &mut self.counters, &mut self.ended);
        self.detect.tick(now, &mut self.counters, &mut self.alerts);
        self.write_ended()?;
        if self.stats_interval > 0 && now.secs() >= self.next_stats_s {
            self.write_stats()?;
            self.next_stats_s = now.secs() + self.stats_interval;
        }
        Ok(())
    }

    fn write_ended(&mut self) -> Result<(), SinkError> {
        if self.ended.is_empty() && self.app_events.is_empty() && self.alerts.is_empty() {
            return Ok(());
        }
        let mut ended = std::mem::take(&mut self.ended);
        // Ended flows give up their last transactions first, so a flow's
        // protocol records and alerts come before its flow record.
        for end in &mut ended {
            let before = self.app_events.len();
            self.app
                .flow_end(end, &mut self.counters, &mut self.app_events);
            let new = self.app_events.get(before..).unwrap_or(&[]);
            self.detect
                .flow_end(end, new, &mut self.counters, &mut self.alerts);
        }
        let mut result = self.write_app_events();
        if result.is_ok() {
            result = self.write_alerts();
        }
        if self.write_flows && result.is_ok() {
            for end in &ended {
                let rec = EveRecord::flow_end(end, self.utc_offset);
                if let Err(e) = self.emit(&rec) {
                    result = Err(e);
                    break;
                }
            }
        }
        ended.clear();
        self.ended = ended;
        result
    }

    fn write_app_events(&mut self) -> Result<(), SinkError> {
        let events = std::mem::take(&mut self.app_events);
        let mut result = Ok(());
        for ev in &events {
            if let Some(rec) = EveRecord::app_event(ev, self.utc_offset) {
                if let Err(e) = self.emit(&rec) {
                    result = Err(e);
                    break;
                }
            }
        }
        let mut events = events;
        events.clear();
        self.app_events = events;
        result
    }

    fn write_alerts(&mut self) -> Result<(), SinkError> {
        let alerts = std::mem::take(&mut self.alerts);
        let mut result = Ok(());
        for a in &alerts {
            let Some(sig) = self.detect.signatures().get(a.sig) else {
                continue;
            };
            let rec = EveRecord::alert(a, sig, self.utc_offset);
            self.counters.inc(Counter::DetectAlert);
            if let Err(e) = self.eve.write(&rec, &mut self.counters) {
                result = Err(e);
                break;
            }
            *self.events.entry("alert").or_insert(0) += 1;
            match self.alerts_by_indicator.get_mut(&sig.indicator) {
                Some(n) => *n += 1,
                None => {
                    self.alerts_by_indicator.insert(sig.indicator.clone(), 1);
                }
            }
            self.counters.inc(Counter::KagamiOutputRecords);
            self.counters.inc(Counter::KagamiOutputAlert);
        }
        let mut alerts = alerts;
        alerts.clear();
        self.alerts = alerts;
        result
    }

    fn emit(&mut self, rec: &EveRecord<'_>) -> Result<(), SinkError> {
        self.eve.write(rec, &mut self.counters)?;
        *self.events.entry(rec.event_type).or_insert(0) += 1;
        self.counters.inc(Counter::KagamiOutputRecords);
        self.counters.inc(match rec.event_type {
            "flow" => Counter::KagamiOutputFlow,
            "stats" => Counter::KagamiOutputStats,
            _ => Counter::KagamiOutputApp,
        });
        Ok(())
    }

    fn write_stats(&mut self) -> Result<(), SinkError> {
        if let Some(rss) = peak_rss_bytes() {
            self.counters.max(Counter::KagamiProcessPeakRss, rss);
        }
        let uptime = self.first_ts.map(|f| self.now.secs_since(f)).unwrap_or(0);
        // Count this record before it is rendered, so the final numbers add up.
        *self.events.entry("stats").or_insert(0) += 1;
        self.counters.inc(Counter::KagamiOutputRecords);
        self.counters.inc(Counter::KagamiOutputStats);
        let mut stats = self.counters.to_eve_stats(uptime);
        if let serde_json::Value::Object(m) = &mut stats {
            self.app.counters.write_eve(m);
        }
        let rec = EveRecord::stats(self.now, self.utc_offset, stats);
        self.eve.write(&rec, &mut self.counters)?;
        if let Some(m) = self.metrics.as_mut() {
            let mut flat = self.counters.to_flat();
            self.app.counters.write_flat(&mut flat);
            let rec = MetricsRecord {
                timestamp: self.now.eve(self.utc_offset).to_string(),
                counters: &flat,
            };
            m.write(&rec, &mut self.counters)?;
        }
        Ok(())
    }

    /// Ends the run: flushes every open flow, writes the final stats record
    /// and flushes the outputs.
    pub fn finish(&mut self) -> Result<(), SinkError> {
        self.decoder.finish(&mut self.counters);
        while self
            .table
            .flush(FLUSH_BATCH, &mut self.counters, &mut self.ended)
        {
            self.write_ended()?;
        }
        self.write_ended()?;
        let now = self.now;
        self.detect
            .finish(now, &mut self.counters, &mut self.alerts);
        self.write_ended()?;
        self.write_stats()?;
        self.eve.flush(&mut self.counters)?;
        if let Some(m) = self.metrics.as_mut() {
            m.flush(&mut self.counters)?;
        }
        Ok(())
    }
}

/// Peak resident set size of this process (Linux `VmHWM`), if known.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Called between batches with the source's and the engine's counters.
pub type ProgressFn<'a> = dyn FnMut(&CaptureStats, &Engine) + 'a;

/// Runs `source` through `engine` until the source finishes or `stop` is set,
/// then finishes the engine (flows flushed, final stats written).
pub fn run(
    engine: &mut Engine,
    source: &mut dyn PacketSource,
    live: bool,
    stop: &AtomicBool,
    progress: &mut ProgressFn<'_>,
) -> Result<(), RunError> {
    let mut last_progress = Instant::now();
    loop {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let mut failed: Option<SinkError> = None;
        let poll = source.next_batch(&mut |p| {
            if failed.is_none() {
                if let Err(e) = engine.packet(p) {
                    failed = Some(e);
                }
            }
        })?;
        if let Some(e) = failed {
            return Err(e.into());
        }
        let stats = source.stats();
        engine.capture_stats(&stats);
        match poll {
            Poll::Finished => break,
            Poll::Idle => engine.idle()?,
            Poll::Packets(_) if live => engine.mark_live_packet(),
            Poll::Packets(_) => {}
        }
        if last_progress.elapsed() >= Duration::from_millis(250) {
            progress(&stats, engine);
            last_progress = Instant::now();
        }
    }
    let stats = source.stats();
    engine.capture_stats(&stats);
    if live && engine.first_ts.is_none() {
        // No packet ever came: stamp the final record with the wall clock
        // rather than the epoch.
        engine.now = Timestamp(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
                .unwrap_or(0),
        );
    }
    engine.finish()?;
    progress(&stats, engine);
    Ok(())
}

/// Runs arbitrary Ethernet frames (each a 2-byte big-endian length and that
/// many bytes, 10 ms apart) through a whole engine with the embedded
/// configuration, writing EVE to `/dev/null`: the `engine` fuzz target, and
/// the regression tests for what it finds.
pub fn fuzz_frames(data: &[u8]) {
    static CFG: std::sync::OnceLock<Config> = std::sync::OnceLock::new();
    let cfg = CFG.get_or_init(Config::embedded);
    let Ok(eve) = JsonLines::open(std::path::Path::new("/dev"), "null") else {
        return;
    };
    let Ok(mut engine) = Engine::new(cfg, eve, None) else {
        return;
    };
    let mut rest = data;
    let mut ts = Timestamp(1_700_000_000_000_000_000);
    while let Some((len, tail)) = rest.split_first_chunk::<2>() {
        let len = usize::from(u16::from_be_bytes(*len)).min(tail.len());
        let (frame, next) = tail.split_at(len);
        rest = next;
        ts = Timestamp(ts.0 + 10_000_000);
        let pkt = RawPacket {
            ts,
            link: crate::capture::LinkType::ETHERNET,
            orig_len: u32::try_from(frame.len()).unwrap_or(u32::MAX),
            data: frame,
        };
        if engine.packet(&pkt).is_err() {
            return;
        }
    }
    let _ = engine.finish();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `engine` fuzz target's entry point survives random frames and
    /// frames that are valid up to a random cut (a floor under fuzzing).
    #[test]
    fn fuzz_frames_survives_random_and_cut_frames() {
        let mut seed: u64 = 7;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 32) as u8
        };
        // An Ethernet + IPv4 + TCP header to 443 (lengths deliberately wrong).
        let head: &[u8] = &[
            0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00, // Ethernet
            0x45, 0, 0, 60, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, // IPv4
            0x9c, 0x40, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0,
            0, // TCP
        ];
        for round in 0..300 {
            let mut data = Vec::new();
            for _ in 0..(1 + round % 20) {
                let mut frame = head.to_vec();
                let extra = usize::from(next()) * 4;
                frame.extend((0..extra).map(|_| next()));
                let cut = frame.len() - usize::from(next()) % frame.len().min(40);
                frame.truncate(cut);
                data.extend_from_slice(&(frame.len() as u16).to_be_bytes());
                data.extend_from_slice(&frame);
            }
            fuzz_frames(&data);
        }
    }
}
