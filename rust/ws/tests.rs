use super::*;

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

fn parse_all(bytes: &[u8]) -> (Vec<Event>, Result<(), ProtocolError>) {
    let mut parser = Parser::new(1024);
    let mut out = Vec::new();
    let result = parser.feed(bytes, &mut out);
    (out, result)
}

fn error_code(bytes: &[u8]) -> u16 {
    parse_all(bytes).1.expect_err("a protocol error").code
}

fn text(s: &str) -> Event {
    Event::Text(s.to_owned())
}

#[test]
fn rfc_example_masked_hello() {
    // RFC 6455 §5.7: a single-frame masked text message "Hello".
    let frame = [
        0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ];
    assert_eq!(parse_all(&frame), (vec![text("Hello")], Ok(())));
    assert_eq!(mask_frame(OP_TEXT, b"Hello", KEY, true), frame);
}

#[test]
fn fragmented_message_with_interleaved_ping() {
    let mut bytes = mask_frame(OP_TEXT, b"Hel", KEY, false);
    bytes.extend(mask_frame(OP_PING, b"p", KEY, true));
    bytes.extend(mask_frame(OP_CONTINUATION, b"lo", KEY, false));
    bytes.extend(mask_frame(OP_PONG, b"", KEY, true));
    bytes.extend(mask_frame(OP_CONTINUATION, b"!", KEY, true));
    let (events, result) = parse_all(&bytes);
    assert_eq!(result, Ok(()));
    assert_eq!(
        events,
        vec![
            Event::Ping(b"p".to_vec()),
            Event::Pong(vec![]),
            text("Hello!")
        ]
    );
}

#[test]
fn utf8_split_across_fragments_is_valid() {
    let euro = "€".as_bytes();
    let mut bytes = mask_frame(OP_TEXT, &euro[..1], KEY, false);
    bytes.extend(mask_frame(OP_CONTINUATION, &euro[1..], KEY, true));
    assert_eq!(parse_all(&bytes), (vec![text("€")], Ok(())));
}

#[test]
fn binary_message() {
    let bytes = mask_frame(OP_BINARY, &[0, 159, 146, 150], KEY, true);
    assert_eq!(
        parse_all(&bytes).0,
        vec![Event::Binary(vec![0, 159, 146, 150])]
    );
}

#[test]
fn byte_at_a_time() {
    let mut bytes = mask_frame(OP_TEXT, "x".repeat(300).as_bytes(), KEY, true);
    bytes.extend(mask_frame(OP_TEXT, b"y", KEY, true));
    let mut parser = Parser::new(1024);
    let mut out = Vec::new();
    for b in &bytes {
        parser.feed(std::slice::from_ref(b), &mut out).unwrap();
    }
    assert_eq!(out, vec![text(&"x".repeat(300)), text("y")]);
    assert_eq!(parser.buffered(), 0);
}

#[test]
fn unmasked_client_frame_is_a_protocol_error() {
    assert_eq!(error_code(&encode(OP_TEXT, b"hi")), CLOSE_PROTOCOL_ERROR);
}

#[test]
fn reserved_bits_are_a_protocol_error() {
    let mut frame = mask_frame(OP_TEXT, b"hi", KEY, true);
    frame[0] |= 0x40;
    assert_eq!(error_code(&frame), CLOSE_PROTOCOL_ERROR);
}

#[test]
fn unknown_opcodes_are_protocol_errors() {
    for opcode in [0x3, 0x7, 0xB, 0xF] {
        assert_eq!(
            error_code(&mask_frame(opcode, b"", KEY, true)),
            CLOSE_PROTOCOL_ERROR
        );
    }
}

#[test]
fn control_frame_rules() {
    let long = [b'a'; 126];
    assert_eq!(
        error_code(&mask_frame(OP_PING, &long, KEY, true)),
        CLOSE_PROTOCOL_ERROR
    );
    assert_eq!(
        error_code(&mask_frame(OP_PING, b"a", KEY, false)),
        CLOSE_PROTOCOL_ERROR
    );
    let ok = [b'a'; 125];
    assert_eq!(
        parse_all(&mask_frame(OP_PING, &ok, KEY, true)).0,
        vec![Event::Ping(ok.to_vec())]
    );
}

#[test]
fn continuation_rules() {
    assert_eq!(
        error_code(&mask_frame(OP_CONTINUATION, b"x", KEY, true)),
        CLOSE_PROTOCOL_ERROR
    );
    let mut bytes = mask_frame(OP_TEXT, b"a", KEY, false);
    bytes.extend(mask_frame(OP_TEXT, b"b", KEY, true));
    assert_eq!(error_code(&bytes), CLOSE_PROTOCOL_ERROR);
}

#[test]
fn oversized_message_is_refused_on_its_header() {
    let frame = mask_frame(OP_TEXT, &[b'a'; 2000], KEY, true);
    let mut parser = Parser::new(1024);
    let mut out = Vec::new();
    let err = parser.feed(&frame[..8], &mut out).unwrap_err();
    assert_eq!(err.code, CLOSE_TOO_BIG);
    assert!(parser.is_done());
}

#[test]
fn oversized_fragmented_message_is_refused() {
    let mut bytes = mask_frame(OP_TEXT, &[b'a'; 600], KEY, false);
    bytes.extend(mask_frame(OP_CONTINUATION, &[b'a'; 600], KEY, true));
    assert_eq!(error_code(&bytes), CLOSE_TOO_BIG);
    let mut exact = mask_frame(OP_TEXT, &[b'a'; 600], KEY, false);
    exact.extend(mask_frame(OP_CONTINUATION, &[b'a'; 424], KEY, true));
    assert_eq!(parse_all(&exact).1, Ok(()));
}

#[test]
fn length_with_high_bit_is_a_protocol_error() {
    let mut frame = vec![0x81, 0x80 | 127];
    frame.extend_from_slice(&(1u64 << 63).to_be_bytes());
    frame.extend_from_slice(&KEY);
    assert_eq!(error_code(&frame), CLOSE_PROTOCOL_ERROR);
}

#[test]
fn invalid_utf8_text_is_1007() {
    assert_eq!(
        error_code(&mask_frame(OP_TEXT, &[0xC3, 0x28], KEY, true)),
        CLOSE_INVALID_DATA
    );
    let mut bytes = mask_frame(OP_TEXT, b"ok", KEY, false);
    bytes.extend(mask_frame(OP_CONTINUATION, &[0xFF], KEY, true));
    assert_eq!(error_code(&bytes), CLOSE_INVALID_DATA);
}

#[test]
fn close_frames() {
    let (events, _) = parse_all(&mask_frame(OP_CLOSE, b"", KEY, true));
    assert_eq!(events, vec![Event::Close(None, String::new())]);
    let mut payload = 1001u16.to_be_bytes().to_vec();
    payload.extend_from_slice("bye €".as_bytes());
    let (events, _) = parse_all(&mask_frame(OP_CLOSE, &payload, KEY, true));
    assert_eq!(events, vec![Event::Close(Some(1001), "bye €".to_owned())]);
    assert_eq!(
        error_code(&mask_frame(OP_CLOSE, &[3], KEY, true)),
        CLOSE_PROTOCOL_ERROR
    );
    for code in [0u16, 999, 1004, 1005, 1006, 1015, 2999, 5000] {
        let frame = mask_frame(OP_CLOSE, &code.to_be_bytes(), KEY, true);
        assert_eq!(error_code(&frame), CLOSE_PROTOCOL_ERROR, "code {code}");
    }
    let mut bad_reason = 1000u16.to_be_bytes().to_vec();
    bad_reason.push(0xFF);
    assert_eq!(
        error_code(&mask_frame(OP_CLOSE, &bad_reason, KEY, true)),
        CLOSE_INVALID_DATA
    );
}

#[test]
fn nothing_is_parsed_after_close() {
    let mut bytes = mask_frame(OP_TEXT, b"before", KEY, true);
    bytes.extend(mask_frame(OP_CLOSE, &1000u16.to_be_bytes(), KEY, true));
    bytes.extend(mask_frame(OP_TEXT, b"after", KEY, true));
    let mut parser = Parser::new(1024);
    let mut out = Vec::new();
    parser.feed(&bytes, &mut out).unwrap();
    parser
        .feed(&mask_frame(OP_TEXT, b"later", KEY, true), &mut out)
        .unwrap();
    assert_eq!(
        out,
        vec![text("before"), Event::Close(Some(1000), String::new())]
    );
    assert!(parser.is_done());
}

#[test]
fn events_before_an_error_are_kept() {
    let mut bytes = mask_frame(OP_TEXT, b"good", KEY, true);
    bytes.extend(encode(OP_TEXT, b"unmasked"));
    let (events, result) = parse_all(&bytes);
    assert_eq!(events, vec![text("good")]);
    assert_eq!(result.unwrap_err().code, CLOSE_PROTOCOL_ERROR);
}

#[test]
fn encoded_lengths() {
    assert_eq!(encode(OP_TEXT, b""), vec![0x81, 0]);
    assert_eq!(encode(OP_PONG, b"ab"), vec![0x8A, 2, b'a', b'b']);
    assert_eq!(encode(OP_TEXT, &[0; 125])[..2], [0x81, 125]);
    assert_eq!(encode(OP_TEXT, &[0; 126])[..4], [0x81, 126, 0, 126]);
    assert_eq!(
        encode(OP_TEXT, &vec![0; 65535])[..4],
        [0x81, 126, 0xFF, 0xFF]
    );
    assert_eq!(
        encode(OP_TEXT, &vec![0; 65536])[..10],
        [0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0]
    );
}

#[test]
fn client_parser_reads_server_frames() {
    let mut parser = Parser::client(1024);
    let mut out = Vec::new();
    let mut bytes = encode(OP_TEXT, b"hi");
    bytes.extend(encode_close(1008, "replaced"));
    parser.feed(&bytes, &mut out).unwrap();
    assert_eq!(
        out,
        vec![text("hi"), Event::Close(Some(1008), "replaced".to_owned())]
    );
    let err = Parser::client(1024).feed(&mask_frame(OP_TEXT, b"x", KEY, true), &mut out);
    assert_eq!(err.unwrap_err().code, CLOSE_PROTOCOL_ERROR);
}

#[test]
fn close_reason_is_cut_on_a_character_boundary() {
    let reason = "€".repeat(60); // 180 bytes
    let frame = encode_close(1000, &reason);
    let mut parser = Parser::client(1024);
    let mut out = Vec::new();
    parser.feed(&frame, &mut out).unwrap();
    assert_eq!(out, vec![Event::Close(Some(1000), "€".repeat(41))]);
}

#[test]
fn mask_offset_matches_a_whole_pass() {
    let data: Vec<u8> = (0..=255).collect();
    let mut whole = data.clone();
    apply_mask(&mut whole, KEY, 0);
    let mut split = data;
    let (a, b) = split.split_at_mut(13);
    apply_mask(a, KEY, 0);
    apply_mask(b, KEY, 13);
    assert_eq!(split, whole);
}
