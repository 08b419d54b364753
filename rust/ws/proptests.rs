//! Property tests: any split of a valid stream yields the same events; no input panics.

use proptest::prelude::*;

use super::*;

#[derive(Debug, Clone)]
enum Message {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
}

fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        4 => ".{0,300}".prop_map(Message::Text),
        1 => prop::collection::vec(any::<u8>(), 0..300).prop_map(Message::Binary),
        1 => prop::collection::vec(any::<u8>(), 0..=125).prop_map(Message::Ping),
    ]
}

/// Encodes `messages` as masked client frames, data messages cut into `pieces` fragments
/// (a ping between two fragments where `interleave` says so).
fn client_stream(
    messages: &[Message],
    pieces: &[usize],
    key: [u8; 4],
    interleave: bool,
) -> (Vec<u8>, Vec<Event>) {
    let mut bytes = Vec::new();
    let mut expected = Vec::new();
    for (i, message) in messages.iter().enumerate() {
        let (opcode, payload, event) = match message {
            Message::Ping(p) => {
                bytes.extend(mask_frame(OP_PING, p, key, true));
                expected.push(Event::Ping(p.clone()));
                continue;
            }
            Message::Text(s) => (OP_TEXT, s.as_bytes().to_vec(), Event::Text(s.clone())),
            Message::Binary(b) => (OP_BINARY, b.clone(), Event::Binary(b.clone())),
        };
        let count = pieces[i % pieces.len()].max(1);
        let size = payload.len().div_ceil(count).max(1);
        let chunks: Vec<&[u8]> = if payload.is_empty() {
            vec![&[][..]]
        } else {
            payload.chunks(size).collect()
        };
        for (j, chunk) in chunks.iter().enumerate() {
            let op = if j == 0 { opcode } else { OP_CONTINUATION };
            bytes.extend(mask_frame(op, chunk, key, j + 1 == chunks.len()));
            if interleave && j + 1 < chunks.len() {
                bytes.extend(mask_frame(OP_PONG, b"k", key, true));
                expected.push(Event::Pong(b"k".to_vec()));
            }
        }
        expected.push(event);
    }
    (bytes, expected)
}

proptest! {
    #[test]
    fn any_split_yields_the_same_events(
        messages in prop::collection::vec(message(), 1..12),
        pieces in prop::collection::vec(1usize..6, 1..6),
        key in any::<[u8; 4]>(),
        interleave in any::<bool>(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..20),
    ) {
        let (bytes, expected) = client_stream(&messages, &pieces, key, interleave);
        let mut at: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
        at.push(0);
        at.push(bytes.len());
        at.sort_unstable();
        let mut parser = Parser::new(4096);
        let mut out = Vec::new();
        for pair in at.windows(2) {
            parser.feed(&bytes[pair[0]..pair[1]], &mut out).unwrap();
        }
        prop_assert_eq!(out, expected);
        prop_assert_eq!(parser.buffered(), 0);
    }

    #[test]
    fn arbitrary_bytes_never_panic(chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 0..8)) {
        let mut parser = Parser::new(256);
        let mut out = Vec::new();
        for chunk in &chunks {
            if parser.feed(chunk, &mut out).is_err() {
                prop_assert!(parser.is_done());
            }
        }
    }

    #[test]
    fn server_frames_round_trip_through_a_client_parser(
        shapes in prop::collection::vec((0usize..70_000, any::<char>()), 1..3),
    ) {
        let texts: Vec<String> = shapes.iter().map(|(n, c)| c.to_string().repeat(*n / c.len_utf8())).collect();
        let mut parser = Parser::client(1 << 20);
        let mut out = Vec::new();
        for t in &texts {
            parser.feed(&encode(OP_TEXT, t.as_bytes()), &mut out).unwrap();
        }
        let expected: Vec<Event> = texts.iter().map(|t| Event::Text(t.clone())).collect();
        prop_assert_eq!(out, expected);
    }
}
